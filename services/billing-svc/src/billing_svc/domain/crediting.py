"""Credit notes by hand: how much of an issued or paid invoice may still be credited, and what a
credit of a whole invoice or of some of its lines comes to. Pure rules.

- Each invoice line can be credited up to its amount, less what credit notes by hand already
  credited on it; the invoice as a whole up to its subtotal, less every credit note against it
  (those of downgrades and terminations too, which credit periods rather than lines).
- Tax is credited at the invoice's rate on the credited subtotal, rounded half-up once (as the
  invoice computed its own tax), and never beyond the tax left to credit. A credit that takes
  everything left takes exactly the tax left, so a credited invoice ends at 0.00, not 0.01.

Example: an invoice of two lines, 100.00 and 50.00, tax 21 % (subtotal 150.00, tax 31.50,
total 181.50). Crediting line 2 in full: subtotal 50.00, tax 10.50, total 60.50. Then the
whole invoice: what is left, line 1's 100.00, tax 31.50 − 10.50 = 21.00, total 121.00.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from l2c_schemas.errors import RuleViolation
from l2c_schemas.money import currency_exponent, round_money

ZERO = Decimal(0)
CREDITABLE_STATUSES = frozenset({"issued", "paid"})


@dataclass(frozen=True)
class InvoiceLineLeft:
    """An invoice line with what was credited on it by hand already."""

    line_no: int
    product_code: str
    description: str
    quantity: Decimal
    amount: Decimal
    credited: Decimal
    period_start: date
    period_end: date
    kind: str = "recurring"

    @property
    def left(self) -> Decimal:
        return self.amount - self.credited


@dataclass(frozen=True)
class InvoiceCredits:
    """An invoice's totals and what every credit note against it credited so far."""

    status: str
    currency: str
    tax_rate: Decimal
    subtotal: Decimal
    tax_total: Decimal
    credited_subtotal: Decimal
    credited_tax: Decimal
    lines: tuple[InvoiceLineLeft, ...]

    @property
    def subtotal_left(self) -> Decimal:
        return self.subtotal - self.credited_subtotal

    @property
    def tax_left(self) -> Decimal:
        return self.tax_total - self.credited_tax


@dataclass(frozen=True)
class CreditPlan:
    """The lines of a credit note (each with the amount it credits) and its totals."""

    lines: tuple[InvoiceLineLeft, ...]
    """Each invoice line credited, `amount` being the amount credited."""
    subtotal: Decimal
    tax_total: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax_total


def plan_credit(invoice: InvoiceCredits, requested: Mapping[int, Decimal] | None) -> CreditPlan:
    """The credit note of `requested` (line number -> amount to credit), or of everything left
    on the invoice when it is None. Refuses (RuleViolation) an invoice that is not issued or
    paid, an unknown line, an amount not positive or finer than the currency, and any amount
    beyond what is left to credit on a line or on the invoice."""
    if invoice.status not in CREDITABLE_STATUSES:
        raise RuleViolation(f"an invoice that is {invoice.status} cannot be credited")
    by_no = {line.line_no: line for line in invoice.lines}
    if requested is None:
        requested = {line.line_no: line.left for line in invoice.lines if line.left > 0}
        if not requested:
            raise RuleViolation("nothing is left to credit on the invoice")
    places = currency_exponent(invoice.currency)
    credited: list[InvoiceLineLeft] = []
    for line_no, amount in sorted(requested.items()):
        line = by_no.get(line_no)
        if line is None:
            raise RuleViolation(f"the invoice has no line {line_no}")
        if amount <= 0:
            raise RuleViolation(f"the amount to credit on line {line_no} must be positive")
        if amount != amount.quantize(Decimal(1).scaleb(-places)):
            raise RuleViolation(f"{amount} has more than {places} decimals")
        if amount > line.left:
            raise RuleViolation(
                f"line {line_no} has only {line.left} {invoice.currency} left to credit"
                f" ({line.amount} less {line.credited} credited); {amount} asked"
            )
        credited.append(replace(line, amount=amount, credited=ZERO))
    subtotal = sum((line.amount for line in credited), ZERO)
    if subtotal > invoice.subtotal_left:
        raise RuleViolation(
            f"the invoice has only {invoice.subtotal_left} {invoice.currency} (before tax) left"
            f" to credit; {subtotal} asked"
        )
    if subtotal == invoice.subtotal_left:
        tax = invoice.tax_left
    else:
        tax = min(round_money(subtotal * invoice.tax_rate, invoice.currency), invoice.tax_left)
    return CreditPlan(tuple(credited), subtotal, tax)


def needs_approval(total: Decimal, threshold: Decimal) -> bool:
    """A credit note above the threshold waits for a second finance user's approval."""
    return total > threshold
