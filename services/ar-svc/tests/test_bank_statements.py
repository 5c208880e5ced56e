from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

from ar_svc.domain.bank_statements import (
    CSV_COLUMNS,
    StatementError,
    StatementLine,
    read_statement,
)
from ar_svc.domain.cash_application import OpenInvoice
from ar_svc.domain.statement_matching import KnownInvoice, match_lines, reference_words

FIXTURE = Path(__file__).parent / "fixtures" / "acceptance.camt053.xml"
D = Decimal


def test_a_camt053_statement_gives_one_line_per_transaction_with_payer_and_remittance() -> None:
    statement = read_statement(FIXTURE.read_bytes())
    assert (statement.statement_id, statement.format) == ("STMT-2026-11-30-ACCEPT", "camt.053")
    assert statement.bank_account == "DE02120300000000202051"
    refs = [line.entry_reference for line in statement.lines]
    assert refs == [
        "E-001", "E-002", "E-003", "E-004", "E-005", "E-006", "E-002", "E-007", "E-008",
        "E-009/1", "E-009/2",
    ]  # fmt: skip
    first = statement.lines[0]
    assert (first.amount, first.currency, first.direction, first.booked) == (
        D("1102.50"),
        "EUR",
        "credit",
        True,
    )
    # The IBAN as printed with spaces is kept without them.
    assert (first.payer_name, first.payer_account) == ("Ada Ltd", "DE44500105175407324931")
    assert first.reference == "Invoice INV-ST-1001"
    assert statement.lines[1].reference == "INV-ST-2001"  # structured creditor reference
    assert statement.lines[7].direction == "debit"
    assert statement.lines[8].booked is False  # pending
    split = statement.lines[10]
    assert (split.amount, split.reference) == (D("750.00"), "INV-ST-3002 CY-77-2")
    assert split.booking_date == date(2026, 11, 30)


def test_a_csv_statement_reads_signed_amounts_as_credits_and_debits() -> None:
    csv = (
        b"statement_id,entry_reference,booking_date,amount,currency,payer_name,payer_account,"
        b"reference\n"
        b"S-1,A,2026-11-30,1102.50,EUR,Ada Ltd,de44 5001 0517 5407 3249 31,INV-1\n"
        b"S-1,B,2026-11-30,-15.00,EUR,,,fee\n"
    )
    statement = read_statement(csv)
    assert statement.format == "csv"
    assert [(x.amount, x.direction, x.payer_account) for x in statement.lines] == [
        (D("1102.50"), "credit", "DE44500105175407324931"),
        (D("15.00"), "debit", None),
    ]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("S-1,A,2026-11-30,10.005,EUR,,,", "more decimals than EUR allows"),
        ("S-1,A,2026-11-30,1e3,EUR,,,", "is not a decimal"),
        ("S-1,A,2026-11-30,0.00,EUR,,,", "amount is zero"),
        ("S-1,A,30.11.2026,10.00,EUR,,,", "not YYYY-MM-DD"),
        ("S-1,A,2026-11-30,10.00,eur,,,", "not an ISO 4217 code"),
        ("S-1,,2026-11-30,10.00,EUR,,,", "entry_reference"),
        ("S-1,A,2026-11-30,10.00,EUR,,not-an-iban,", "is not an IBAN"),
        ("S-1,A,2026-11-30,10.00,EUR,,,\x00", "control character"),
        ("S-1,A,2026-11-30,10.000,KWD,,,", "more decimals than KWD allows here"),
        ("S-1,A,2026-11-30,10.00,EUR,,," + "x" * 200_000, "unreadable CSV|longer than"),
    ],
)
def test_a_bad_csv_line_is_refused_with_its_line_number_and_reason(row: str, reason: str) -> None:
    header = ",".join(CSV_COLUMNS)
    with pytest.raises(StatementError, match=reason):
        read_statement(f"{header}\n{row}\n".encode())


def test_a_csv_without_the_layouts_columns_is_refused() -> None:
    with pytest.raises(StatementError, match="header lacks"):
        read_statement(b"date,amount\n2026-11-30,10.00\n")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document><BkToCstmrStmt><Stmt><Id>&lol3;</Id></Stmt></BkToCstmrStmt></Document>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Document><BkToCstmrStmt><Stmt><Id>&x;</Id></Stmt></BkToCstmrStmt></Document>"""


# The same bomb in UTF-16, where a byte search for `<!DOCTYPE` would not see it.
UTF16_BOMB = BILLION_LAUGHS.decode().encode("utf-16")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (BILLION_LAUGHS, "refused XML: a DTD"),
        (EXTERNAL_ENTITY, "refused XML: a DTD"),
        (UTF16_BOMB, "not UTF-8"),
    ],
    ids=["bomb", "external", "utf-16"],
)
def test_xml_with_a_dtd_or_entities_is_refused_before_anything_expands(
    data: bytes, reason: str
) -> None:
    with pytest.raises(StatementError, match=reason):
        read_statement(data)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<Document><BkToCstmrStmt><Stmt>", "not well-formed"),
        (b"<Document><Other/></Document>", "not a CAMT.053 statement"),
        (
            b"<Document><BkToCstmrStmt><Stmt><Id>S</Id><Ntry><Amt Ccy='EUR'>1.00</Amt>"
            b"</Ntry></Stmt></BkToCstmrStmt></Document>",
            "neither NtryRef nor AcctSvcrRef",
        ),
        (
            b"<Document><BkToCstmrStmt><Stmt><Id>S</Id><Ntry>"
            + b"<a>" * 5000
            + b"</a>" * 5000
            + b"</Ntry></Stmt></BkToCstmrStmt></Document>",
            "nested too deep",
        ),
    ],
)
def test_xml_that_is_not_a_readable_statement_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(StatementError, match=reason):
        read_statement(data)


def credit(ref: str, amount: str, payer: str | None, text: str | None) -> StatementLine:
    return StatementLine(
        ref, date(2026, 11, 30), D(amount), "EUR", "credit", True, None, payer, text
    )


def test_an_over_payment_by_reference_pays_the_next_invoice_oldest_first() -> None:
    # The module's worked example: 1500.00 quoting INV-1 (owes 1102.50) pays it, then
    # 397.50 of INV-2 (owes 400.00), which still owes 2.50.
    account = uuid4()
    inv1 = OpenInvoice(uuid4(), "INV-1", date(2026, 11, 1), D("1102.50"))
    inv2 = OpenInvoice(uuid4(), "INV-2", date(2026, 11, 15), D("400.00"))
    known = {
        i.invoice_number: KnownInvoice(i.invoice_id, i.invoice_number, account, "EUR")
        for i in (inv1, inv2)
    }
    open_invoices = {(account, "EUR"): [inv1, inv2]}
    [match] = match_lines([credit("E1", "1500.00", None, "INV-1")], known, {}, open_invoices)
    assert (match.status, match.method, match.applied, match.unapplied) == (
        "partly_matched",
        "reference",
        D("1500.00"),
        D("0.00"),
    )
    assert [i.balance for i in open_invoices[(account, "EUR")]] == [D("0.00"), D("2.50")]


def test_a_payer_learnt_by_reference_is_matched_by_amount_later_but_never_by_a_guess() -> None:
    account = uuid4()
    a = OpenInvoice(uuid4(), "INV-10", date(2026, 10, 1), D("100.00"))
    b = OpenInvoice(uuid4(), "INV-11", date(2026, 11, 1), D("250.00"))
    c = OpenInvoice(uuid4(), "INV-12", date(2026, 11, 2), D("250.00"))
    known = {"INV-10": KnownInvoice(a.invoice_id, "INV-10", account, "EUR")}
    payers: dict[str, object] = {}
    matches = match_lines(
        [
            credit("1", "100.00", "DE01X", "pays INV-10"),  # teaches DE01X
            credit("2", "250.00", "DE01X", None),  # two invoices owe 250.00: no guess
            credit("3", "99.00", "DE02Y", "INV-10"),  # INV-10 paid already
        ],
        known,
        payers,  # type: ignore[arg-type]
        {(account, "EUR"): [a, b, c]},
    )
    assert [(m.status, m.method, m.applied) for m in matches] == [
        ("matched", "reference", D("100.00")),
        ("unmatched", "payer", D("0")),
        # INV-10 owes nothing more: the 99.00 goes to INV-11, the oldest open one.
        ("partly_matched", "reference", D("99.00")),
    ]
    assert payers == {"DE01X": account, "DE02Y": account}


def test_reference_words_are_those_holding_a_digit() -> None:
    assert reference_words("Invoice INV-2026-000001, thanks (order 77)") == [
        "INV-2026-000001",
        "77",
    ]
