"""What an invoice for one billing period of a subscription contains. Pure functions.

Rules: recurring items are billed in advance, one full period at a time, at the net amount
frozen from the quote; one-time fees appear on the first invoice only; every line is rounded
half-up at the currency's exponent and the totals are sums of rounded lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from l2c_schemas.money import round_money
from l2c_schemas.periods import months_in, period_end


@dataclass(frozen=True)
class SubscriptionItem:
    line_no: int
    product_code: str
    description: str
    charge: str
    """"recurring" (per billing period) or "one_time"."""
    quantity: Decimal
    unit_price: Decimal
    discount_amount: Decimal
    net_amount: Decimal
    """Net per billing period for recurring items; the whole fee for one-time items."""


@dataclass(frozen=True)
class DraftLine:
    line_no: int
    product_code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_amount: Decimal
    amount: Decimal
    period_start: date
    period_end: date
    kind: str = "recurring"
    """recurring, one_time, usage or proration: decides the line's revenue schedule."""


@dataclass(frozen=True)
class InvoiceTotals:
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal


def billing_period(start: date, period: str, subscription_end: date) -> tuple[date, date]:
    """The period that starts on `start`, cut at the subscription's last day."""
    end = period_end(start, months_in(period))  # type: ignore[arg-type]
    return start, min(end, subscription_end)


def invoice_lines(
    items: list[SubscriptionItem],
    currency: str,
    period: tuple[date, date],
    first_invoice: bool,
) -> list[DraftLine]:
    """The lines of the invoice for `period`, in item order."""
    start, end = period
    lines: list[DraftLine] = []
    for item in items:
        if item.charge == "one_time" and not first_invoice:
            continue
        lines.append(
            DraftLine(
                line_no=len(lines) + 1,
                product_code=item.product_code,
                description=item.description,
                quantity=item.quantity,
                unit_price=item.unit_price,
                discount_amount=round_money(item.discount_amount, currency),
                amount=round_money(item.net_amount, currency),
                period_start=start,
                period_end=end if item.charge == "recurring" else start,
                kind=item.charge,
            )
        )
    return lines


def invoice_totals(lines: list[DraftLine], currency: str, tax_rate: Decimal) -> InvoiceTotals:
    """Subtotal of the rounded lines, tax on the subtotal rounded once, and the total."""
    subtotal = sum((line.amount for line in lines), Decimal(0))
    tax = round_money(subtotal * tax_rate, currency)
    return InvoiceTotals(subtotal=subtotal, tax_total=tax, total=subtotal + tax)


def due_date(issue_date: date, payment_terms_days: int) -> date:
    """Net N: due N days after the issue date."""
    return issue_date + timedelta(days=payment_terms_days)


def invoice_number(legal_entity: str, year: int, sequence: int) -> str:
    """Gapless per legal entity and year: INV-2026-000042."""
    return f"{legal_entity}-{year}-{sequence:06d}"
