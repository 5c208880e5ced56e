"""Invoice disputes: who may open one on which invoice and for how much, and what resolving
it does. Pure rules; the handlers carry them out.

A dispute names the part of an issued invoice the customer contests (at most its total).
While it is open, dunning of the invoice pauses (no overdue notice, reminder or write-off).
Finance resolves it: `upheld` issues a credit note of the disputed amount that credits the
invoice (what it still owes first; any rest stays as customer credit for the next invoice),
`rejected` leaves the invoice as it was. Either way dunning resumes."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from l2c_schemas.errors import Conflict, RuleViolation

Opener = Literal["customer", "finance"]
Outcome = Literal["upheld", "rejected"]
CLOSED_STATUSES = frozenset({"void", "written_off"})


def check_opening(
    amount: Decimal,
    invoice_total: Decimal,
    invoice_status: str,
    open_dispute: bool,
    places: int = 2,
) -> None:
    """Refuse a dispute the invoice cannot have (`places`: the currency's decimals)."""
    if invoice_status in CLOSED_STATUSES:
        raise RuleViolation(
            f"an invoice that is {invoice_status.replace('_', ' ')} cannot be disputed"
        )
    if amount <= 0:
        raise RuleViolation("a disputed amount must be positive")
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise RuleViolation(f"the disputed amount {amount} has more than {places} decimals")
    if amount > invoice_total:
        raise RuleViolation(
            f"the disputed amount {amount} exceeds the invoice total {invoice_total}"
        )
    if open_dispute:
        raise Conflict("the invoice already has an open dispute; resolve it first")


def check_resolving(status: str) -> None:
    if status != "open":
        raise Conflict(f"the dispute is already {status}")


def credit_split(disputed: Decimal, invoice_balance: Decimal) -> tuple[Decimal, Decimal]:
    """An upheld dispute's credit: (applied to the invoice, left as customer credit)."""
    applied = min(disputed, max(invoice_balance, Decimal(0)))
    return applied, disputed - applied
