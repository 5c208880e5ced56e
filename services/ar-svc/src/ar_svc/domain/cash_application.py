"""Cash application: which open invoices a payment pays, and how much of it stays unapplied.

Rule: the invoice the payer referenced comes first; without a reference (or one that matches no
open invoice) an invoice whose balance equals the payment exactly comes first, when exactly one
such invoice exists; then the other open invoices oldest first (by issue date, then number).
Each gets the smaller of its balance and the cash left. Whatever is left over is unapplied
cash — a credit of the customer, never lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True)
class OpenInvoice:
    invoice_id: UUID
    invoice_number: str
    issue_date: date
    balance: Decimal


@dataclass(frozen=True)
class Allocation:
    invoice_id: UUID
    invoice_number: str
    amount: Decimal
    remaining_balance: Decimal


@dataclass(frozen=True)
class CashApplication:
    allocations: tuple[Allocation, ...]
    unapplied: Decimal

    @property
    def applied(self) -> Decimal:
        return sum((a.amount for a in self.allocations), Decimal(0))


def apply_payment(
    amount: Decimal, open_invoices: list[OpenInvoice], invoice_reference: str | None = None
) -> CashApplication:
    """Spread `amount` over the open invoices; never applies more than the payment or more
    than an invoice's balance."""
    if amount < 0:
        raise ValueError("a payment cannot be negative")
    candidates = [inv for inv in open_invoices if inv.balance > 0]
    first = _matched_invoice(amount, candidates, invoice_reference)
    ordered = sorted(
        candidates,
        key=lambda inv: (inv.invoice_number != first, inv.issue_date, inv.invoice_number),
    )
    left = amount
    allocations = []
    for invoice in ordered:
        if left == 0:
            break
        applied = min(left, invoice.balance)
        left -= applied
        allocations.append(
            Allocation(
                invoice.invoice_id, invoice.invoice_number, applied, invoice.balance - applied
            )
        )
    return CashApplication(tuple(allocations), left)


def _matched_invoice(
    amount: Decimal, candidates: list[OpenInvoice], invoice_reference: str | None
) -> str | None:
    """The number of the invoice the payment is meant for: the referenced one if it is open,
    else the only open invoice whose balance equals the payment exactly."""
    if any(inv.invoice_number == invoice_reference for inv in candidates):
        return invoice_reference
    exact = [inv.invoice_number for inv in candidates if inv.balance == amount]
    return exact[0] if len(exact) == 1 else None
