"""Matching a bank statement's credits to customers and invoices, then applying their cash
with the same rule as every other payment (`cash_application.apply_payment`).

Each booked credit, in the statement's order:

1. **By reference.** A word of its remittance information that is the number of an invoice
   in the line's currency names the invoice, and so the customer.
2. **By amount and payer.** Else, when its payer's bank account is known (learnt from an
   earlier line matched by reference, of this statement or an earlier one), the one open
   invoice of that customer whose balance equals the amount. Two such invoices: no guess.
3. **Otherwise unmatched**, left for review: the cash of a known payer stays unapplied on the
   customer's account; a payer nobody knows is held on the line, unidentified.

A matched line pays its invoice first; a partial payment leaves the invoice open, an
over-payment goes on to the customer's other open invoices oldest first, and what is left
stays unapplied. The report calls a line *matched* when it paid exactly what its invoice
owed, *partly matched* when it matched an invoice but paid less or more, *unmatched* when it
matched none.

Worked example: INV-1 owes 1102.50 and INV-2 owes 400.00, both of one customer. A line of
1500.00 quoting "INV-1" pays INV-1 1102.50 and INV-2 the remaining 397.50 (INV-2 still owes
2.50): partly matched, 0.00 unapplied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ar_svc.domain.bank_statements import StatementLine
from ar_svc.domain.cash_application import CashApplication, OpenInvoice, apply_payment

Method = Literal["reference", "amount_and_payer", "payer", "none", "manual"]
"""How a line was matched; `manual`: finance named the customer of an unidentified line."""
LineStatus = Literal["matched", "partly_matched", "unmatched"]
ZERO = Decimal(0)

_WORD = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_./-]{0,62}[A-Za-z0-9])?")


@dataclass(frozen=True)
class KnownInvoice:
    invoice_id: UUID
    invoice_number: str
    account_id: UUID
    currency: str


@dataclass(frozen=True)
class LineMatch:
    line: StatementLine
    method: Method
    account_id: UUID | None
    """None: nobody knows the payer (held on the line for review)."""
    invoice_number: str | None
    """The invoice the line was matched to (by reference or by amount)."""
    application: CashApplication | None
    """Where the cash went; None when it is not applied (unmatched)."""
    invoice_balance: Decimal | None = None
    """What the matched invoice still owes after the line."""

    @property
    def status(self) -> LineStatus:
        if self.invoice_number is None or self.application is None:
            return "unmatched"
        first = self.application.allocations[0] if self.application.allocations else None
        exact = (
            first is not None
            and first.invoice_number == self.invoice_number
            and first.remaining_balance == 0
            and self.application.applied == self.line.amount
            and len(self.application.allocations) == 1
        )
        return "matched" if exact else "partly_matched"

    @property
    def applied(self) -> Decimal:
        return self.application.applied if self.application else ZERO

    @property
    def unapplied(self) -> Decimal:
        """Cash left on the customer's account (or, unidentified, on the line)."""
        return self.line.amount - self.applied


def reference_words(text: str | None) -> list[str]:
    """The words of a remittance text that could be an invoice number (they hold a digit)."""
    if not text:
        return []
    return [w for w in _WORD.findall(text) if any(c.isdigit() for c in w)]


def match_lines(
    lines: Iterable[StatementLine],
    invoices: Mapping[str, KnownInvoice],
    payers: dict[str, UUID],
    open_invoices: dict[tuple[UUID, str], list[OpenInvoice]],
) -> list[LineMatch]:
    """Match and apply booked credits in order. `invoices` are the invoices the lines'
    references may name (by number), `payers` the known bank accounts (IBAN → customer: a
    line matched by reference teaches its payer's), `open_invoices` each customer's open
    invoices per currency with their balances; both are updated as lines are applied."""
    matches = []
    for line in lines:
        match = _match(line, invoices, payers, open_invoices)
        if match.application is not None and match.account_id is not None:
            key = (match.account_id, line.currency)
            open_invoices[key] = _after(open_invoices.get(key, []), match.application)
        if match.method == "reference" and line.payer_account and match.account_id:
            payers.setdefault(line.payer_account, match.account_id)
        matches.append(match)
    return matches


def _match(
    line: StatementLine,
    invoices: Mapping[str, KnownInvoice],
    payers: Mapping[str, UUID],
    open_invoices: Mapping[tuple[UUID, str], list[OpenInvoice]],
) -> LineMatch:
    named = next(
        (
            invoices[w]
            for w in reference_words(line.reference)
            if w in invoices and invoices[w].currency == line.currency
        ),
        None,
    )
    if named is not None:
        candidates = open_invoices.get((named.account_id, line.currency), [])
        return _applied(line, "reference", named.account_id, named.invoice_number, candidates)
    account_id = payers.get(line.payer_account) if line.payer_account else None
    if account_id is None:
        return LineMatch(line, "none", None, None, None)
    candidates = open_invoices.get((account_id, line.currency), [])
    exact = [i for i in candidates if i.balance == line.amount]
    if len(exact) != 1:
        return LineMatch(line, "payer", account_id, None, None)
    return _applied(line, "amount_and_payer", account_id, exact[0].invoice_number, candidates)


def _applied(
    line: StatementLine,
    method: Method,
    account_id: UUID,
    invoice_number: str,
    candidates: list[OpenInvoice],
) -> LineMatch:
    application = apply_payment(line.amount, candidates, invoice_number)
    paid = [a for a in application.allocations if a.invoice_number == invoice_number]
    remaining = paid[0].remaining_balance if paid else None
    return LineMatch(line, method, account_id, invoice_number, application, remaining)


def _after(invoices: list[OpenInvoice], application: CashApplication) -> list[OpenInvoice]:
    """The open invoices with the application's allocations taken off their balances."""
    left = {a.invoice_id: a.remaining_balance for a in application.allocations}
    return [replace(i, balance=left.get(i.invoice_id, i.balance)) for i in invoices]
