"""Bank statements as ar-svc reads them: ISO 20022 CAMT.053 (any `camt.053.001.xx` version)
and a CSV layout of our own, both turned into the same lines.

Only credits that the bank has booked are cash in; debits (fees, refunds going out) and
pending entries are kept as `ignored` lines so the statement's report accounts for every
line. A line is identified by its statement's id and its entry reference (CAMT's `NtryRef`,
else `AcctSvcrRef`; an entry with several transactions gets `/1`, `/2`, … after it), which is
what makes a second import of the same file change nothing.

XML bombs: a CAMT.053 document never needs a DTD, and entity declarations (expanded a
billion times, or naming a file or URL) live only in one, so a document with `<!DOCTYPE` is
refused before anything parses it. The check is exact because the parser is made to read
the bytes as UTF-8 whatever the document declares (ISO 20022 messages are UTF-8), and a
document that is not UTF-8 is refused; expat (the standard library's parser) also limits
entity amplification itself. Text fields are bounded, control characters refused
(PostgreSQL cannot store NUL).

CSV layout (UTF-8, comma-separated, a header row naming these columns in any order)::

    statement_id,entry_reference,booking_date,amount,currency,payer_name,payer_account,reference
    2026-11-30-001,E-0001,2026-11-30,1102.50,EUR,Ada Ltd,DE89370400440532013000,INV-2026-000001

`amount` is a decimal string with a dot, positive for money in and negative for money out;
`payer_name`, `payer_account` (an IBAN) and `reference` (the remittance text) may be empty.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal
from xml.etree.ElementTree import XMLParser, iterparse

from l2c_schemas.errors import RuleViolation
from l2c_schemas.money import currency_exponent
from l2c_schemas.text import refuse_control_characters

MAX_STATEMENT_LINES = 250_000
MAX_TEXT = 500
MAX_ID = 140  # ISO 20022's Max140Text for ids and references
CSV_COLUMNS = (
    "statement_id",
    "entry_reference",
    "booking_date",
    "amount",
    "currency",
    "payer_name",
    "payer_account",
    "reference",
)

Direction = Literal["credit", "debit"]


class StatementError(RuleViolation):
    """A statement file ar-svc cannot read, with where and why (HTTP 422)."""


@dataclass(frozen=True)
class StatementLine:
    entry_reference: str
    booking_date: date
    amount: Decimal
    """Always positive; `direction` tells money in from money out."""
    currency: str
    direction: Direction
    booked: bool
    payer_name: str | None
    payer_account: str | None
    """The payer's IBAN, without spaces, upper case."""
    reference: str | None
    """Remittance information: the structured creditor reference and the free text."""


@dataclass(frozen=True)
class BankStatement:
    statement_id: str
    bank_account: str | None
    """Our own account the statement is of (IBAN), when the file names it."""
    format: Literal["camt.053", "csv"]
    lines: tuple[StatementLine, ...]


def read_statement(data: bytes) -> BankStatement:
    """A CAMT.053 document (the data starts with `<`) or a CSV file of the layout above."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return read_camt053(data)
    return read_csv(data)


# -- CAMT.053 -------------------------------------------------------------------------------


class _Fields:
    """An element's descendants by their path of local names (namespaces ignored), e.g.
    `Sts/Cd`, found in one walk of the element; `stop` names elements not walked into."""

    def __init__(self, element: Any, stop: str = "") -> None:
        self.by_path: dict[str, list[Any]] = {}
        self._walk(element, "", stop)

    def _walk(self, element: Any, prefix: str, stop: str) -> None:
        for child in element:
            name = child.tag.rpartition("}")[2]
            path = prefix + name
            self.by_path.setdefault(path, []).append(child)
            if name != stop:
                self._walk(child, path + "/", stop)

    def first(self, path: str) -> Any:
        found = self.by_path.get(path)
        return found[0] if found else None

    def all(self, path: str) -> list[Any]:
        return self.by_path.get(path, [])

    def text(self, path: str, limit: int = MAX_TEXT) -> str | None:
        found = self.first(path)
        if found is None or found.text is None or not found.text.strip():
            return None
        return _bounded(found.text.strip(), path, limit)

    def texts(self, path: str) -> list[str]:
        return [
            _bounded(e.text.strip(), path, MAX_TEXT)
            for e in self.all(path)
            if e.text and e.text.strip()
        ]


def _bounded(value: str, what: str, limit: int) -> str:
    if len(value) > limit:
        raise StatementError(f"{what} is longer than {limit} characters")
    try:
        return refuse_control_characters(value)
    except ValueError as exc:
        raise StatementError(f"{what}: {exc}") from None


def read_camt053(data: bytes) -> BankStatement:
    """The first statement (`Stmt`) of a CAMT.053 document; its booked and pending entries."""
    _refuse_dtd(data)
    statement_id: str | None = None
    bank_account: str | None = None
    lines: list[StatementLine] = []
    parser = XMLParser(encoding="utf-8")  # whatever the document declares
    try:
        for _, element in iterparse(io.BytesIO(data), events=("end",), parser=parser):
            name = element.tag.rpartition("}")[2]
            if name == "Ntry":
                lines.extend(_entry_lines(element, len(lines)))
                if len(lines) > MAX_STATEMENT_LINES:
                    raise StatementError(f"more than {MAX_STATEMENT_LINES} lines in a statement")
                element.clear()  # keep memory flat on a large file
            elif name == "Stmt":
                if statement_id is not None:
                    raise StatementError("one statement (Stmt) per file, please")
                fields = _Fields(element, stop="Ntry")
                statement_id = fields.text("Id", MAX_ID)
                iban = fields.text("Acct/Id/IBAN", 34)
                bank_account = _iban(iban) if iban else None
                element.clear()
    except SyntaxError as exc:  # ElementTree.ParseError
        raise StatementError(f"not well-formed XML: {exc}") from None
    except RecursionError:
        raise StatementError("refused XML: elements nested too deep") from None
    if statement_id is None:
        raise StatementError("no BkToCstmrStmt/Stmt with an Id: not a CAMT.053 statement")
    return BankStatement(statement_id, bank_account, "camt.053", tuple(lines))


def _refuse_dtd(data: bytes) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise StatementError("refused XML: a CAMT.053 document is UTF-8") from None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise StatementError("refused XML: a DTD or entity declaration (no DTD is allowed)")


def _entry_lines(entry: Any, seen: int) -> Iterator[StatementLine]:
    where = f"entry {seen + 1}"
    fields = _Fields(entry, stop="TxDtls")
    reference = fields.text("NtryRef", MAX_ID) or fields.text("AcctSvcrRef", MAX_ID)
    if reference is None:
        raise StatementError(f"{where}: neither NtryRef nor AcctSvcrRef identifies it")
    amount_element = fields.first("Amt")
    if amount_element is None:
        raise StatementError(f"{where} ({reference}): no Amt")
    currency = _currency(amount_element.get("Ccy"), where)
    indicator = fields.text("CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise StatementError(f"{where} ({reference}): CdtDbtInd must be CRDT or DBIT")
    status = fields.text("Sts/Cd") or fields.text("Sts")
    booked_on = fields.text("BookgDt/Dt") or (fields.text("BookgDt/DtTm") or "")[:10]
    day = _date(booked_on, where)
    details = [_Fields(d) for d in fields.all("NtryDtls/TxDtls")]

    def line(suffix: str, amount: Decimal, detail: _Fields | None) -> StatementLine:
        payer_name, payer_account, remittance = _parties(detail)
        return StatementLine(
            entry_reference=reference + suffix,
            booking_date=day,
            amount=amount,
            currency=currency,
            direction="credit" if indicator == "CRDT" else "debit",
            booked=status == "BOOK",
            payer_name=payer_name,
            payer_account=payer_account,
            reference=remittance,
        )

    if len(details) <= 1:
        yield line("", _amount(amount_element.text, currency, where), next(iter(details), None))
        return
    for number, detail in enumerate(details, 1):
        amount = detail.first("AmtDtls/TxAmt/Amt")
        amount = detail.first("Amt") if amount is None else amount
        if amount is None:
            raise StatementError(f"{where} ({reference}), transaction {number}: no amount")
        yield line(f"/{number}", _amount(amount.text, currency, where), detail)


def _parties(detail: _Fields | None) -> tuple[str | None, str | None, str | None]:
    """Payer's name and IBAN, and the remittance information, of a transaction (the paths of
    camt.053.001.02 and of the later versions)."""
    if detail is None:
        return None, None, None
    name = detail.text("RltdPties/Dbtr/Nm") or detail.text("RltdPties/Dbtr/Pty/Nm")
    iban = detail.text("RltdPties/DbtrAcct/Id/IBAN", 34)
    texts = [*detail.texts("RmtInf/Strd/CdtrRefInf/Ref"), *detail.texts("RmtInf/Ustrd")]
    end_to_end = detail.text("Refs/EndToEndId", MAX_ID)
    if end_to_end and end_to_end != "NOTPROVIDED":
        texts.append(end_to_end)
    return name, _iban(iban) if iban else None, " ".join(texts)[:MAX_TEXT] or None


# -- CSV ------------------------------------------------------------------------------------


def read_csv(data: bytes) -> BankStatement:
    """A statement in the CSV layout of this module's docstring: one statement per file."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StatementError(f"the CSV file is not UTF-8: {exc}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = set(CSV_COLUMNS) - set(reader.fieldnames or ())
    if missing:
        raise StatementError(f"CSV header lacks {', '.join(sorted(missing))}")
    try:
        return _csv_statement(reader)
    except csv.Error as exc:
        raise StatementError(f"unreadable CSV: {exc}") from None


def _csv_statement(reader: csv.DictReader[str]) -> BankStatement:
    statement_id: str | None = None
    lines: list[StatementLine] = []
    for number, row in enumerate(reader, 2):
        where = f"line {number}"
        if None in row:
            raise StatementError(f"{where}: more fields than the header names")
        cells = {k: _bounded((row[k] or "").strip(), f"{where} {k}", MAX_TEXT) for k in CSV_COLUMNS}
        if statement_id is None:
            statement_id = cells["statement_id"]
        if not cells["statement_id"] or cells["statement_id"] != statement_id:
            raise StatementError(f"{where}: every line needs the same statement_id")
        if not cells["entry_reference"] or len(cells["entry_reference"]) > MAX_ID:
            raise StatementError(f"{where}: entry_reference must have 1 to {MAX_ID} characters")
        currency = _currency(cells["currency"], where)
        signed = _amount(cells["amount"], currency, where, signed=True)
        lines.append(
            StatementLine(
                entry_reference=cells["entry_reference"],
                booking_date=_date(cells["booking_date"], where),
                amount=abs(signed),
                currency=currency,
                direction="credit" if signed > 0 else "debit",
                booked=True,
                payer_name=cells["payer_name"] or None,
                payer_account=_iban(cells["payer_account"]) if cells["payer_account"] else None,
                reference=cells["reference"] or None,
            )
        )
        if len(lines) > MAX_STATEMENT_LINES:
            raise StatementError(f"more than {MAX_STATEMENT_LINES} lines in a statement")
    if statement_id is None or len(statement_id) > MAX_ID:
        raise StatementError(f"a CSV statement needs lines and a statement_id of ≤ {MAX_ID}")
    return BankStatement(statement_id, None, "csv", tuple(lines))


# -- fields ---------------------------------------------------------------------------------

_AMOUNT = re.compile(r"^-?\d{1,16}(\.\d{1,3})?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$")


def _amount(raw: str | None, currency: str, where: str, signed: bool = False) -> Decimal:
    value = (raw or "").strip()
    if not _AMOUNT.match(value) or (value.startswith("-") and not signed):
        raise StatementError(f"{where}: amount {value!r} is not a decimal such as 1102.50")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise StatementError(f"{where}: amount {value!r} is not a decimal") from None
    if amount == 0:
        raise StatementError(f"{where}: amount is zero")
    # The subledger keeps cents (NUMERIC(18, 2)): no currency gets more than two decimals.
    if -amount.as_tuple().exponent > min(currency_exponent(currency), 2):  # type: ignore[operator]
        raise StatementError(f"{where}: {value} has more decimals than {currency} allows here")
    return amount


def _currency(raw: str | None, where: str) -> str:
    if raw is None or not _CURRENCY.match(raw):
        raise StatementError(f"{where}: currency {raw!r} is not an ISO 4217 code")
    return raw


def _date(raw: str, where: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise StatementError(f"{where}: booking date {raw!r} is not YYYY-MM-DD") from None


def _iban(raw: str) -> str:
    iban = raw.replace(" ", "").upper()
    if not _IBAN.match(iban):
        raise StatementError(f"{raw!r} is not an IBAN")
    return iban
