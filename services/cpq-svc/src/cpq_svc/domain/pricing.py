"""Quote pricing: the waterfall of discounts from list to net, and the quote's totals. What a
line lists at under its pricing model, and how it is rounded, is the l2c_pricing library's, the
same billing rates usage with.

Each amount is rounded half-up at the currency's minor unit on its line; totals are sums of
the rounded lines, so the lines of a quote, an invoice and a ledger always add up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from l2c_pricing import PriceSpec, price
from l2c_schemas.errors import RuleViolation
from l2c_schemas.money import round_money

HUNDRED = Decimal(100)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Discount:
    """One step of the waterfall: `percent` off the price left by the steps before it.
    Discretionary steps (a salesperson's line or quote discount) are what approvals govern;
    the others (volume schedule, term) are the price book's policy."""

    step: str
    percent: Decimal
    discretionary: bool = False


@dataclass(frozen=True)
class WaterfallStep:
    step: str
    percent: Decimal
    amount: Decimal
    """The discount this step takes, rounded half-up on its own."""
    price_after: Decimal


@dataclass(frozen=True)
class LineAmounts:
    list_amount: Decimal
    discount_amount: Decimal
    net_amount: Decimal
    steps: tuple[WaterfallStep, ...] = ()


@dataclass(frozen=True)
class Totals:
    list_total: Decimal
    discount_total: Decimal
    net_total: Decimal


def price_waterfall(
    spec: PriceSpec, quantity: Decimal, discounts: Sequence[Discount], currency: str
) -> LineAmounts:
    """List price rounded half-up, then each discount in order as a percentage of the price the
    previous steps left, each step's amount rounded on its own; net = list − the steps.
    Steps of 0 % are left out of the waterfall."""
    if quantity <= 0:
        raise RuleViolation(f"quantity must be positive, not {quantity}")
    list_amount = price(spec, quantity, currency)
    left, steps = list_amount, []
    for discount in discounts:
        if not ZERO <= discount.percent <= HUNDRED:
            raise RuleViolation(
                f"{discount.step} must be between 0 and 100 percent, not {discount.percent}"
            )
        if discount.percent == 0:
            continue
        amount = round_money(left * discount.percent / HUNDRED, currency)
        left -= amount
        steps.append(WaterfallStep(discount.step, discount.percent, amount, left))
    return LineAmounts(list_amount, list_amount - left, left, tuple(steps))


def price_line(
    quantity: Decimal, unit_price: Decimal, discount_percent: Decimal, currency: str
) -> LineAmounts:
    """A per-unit line with one line discount: list = quantity × unit price, discount = list ×
    percent / 100, both rounded half-up; net = list − discount. E.g. 25 × 49.00 EUR at 10 % is
    1225.00 list, 122.50 discount, 1102.50 net."""
    if unit_price < 0:
        raise RuleViolation(f"unit price must not be negative, not {unit_price}")
    if not ZERO <= discount_percent <= HUNDRED:
        raise RuleViolation(f"discount must be between 0 and 100 percent, not {discount_percent}")
    spec = PriceSpec("per_unit", unit_price)
    return price_waterfall(spec, quantity, [Discount("line discount", discount_percent)], currency)


def volume_discount_percent(
    schedule: Iterable[tuple[Decimal, Decimal]], quantity: Decimal
) -> Decimal:
    """The percent of a volume discount schedule of (minimum quantity, percent) slabs that
    `quantity` reaches: the slab with the highest minimum not above it; 0 below the first."""
    reached = [(minimum, percent) for minimum, percent in schedule if quantity >= minimum]
    return max(reached)[1] if reached else ZERO


def effective_percent(amounts: LineAmounts) -> Decimal:
    """The whole discount of a line as a percent of its list amount, to 0.01 (half-up)."""
    if amounts.list_amount == 0:
        return ZERO.quantize(Decimal("0.01"))
    percent = amounts.discount_amount * HUNDRED / amounts.list_amount
    return percent.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def combined_percent(percents: Iterable[Decimal]) -> Decimal:
    """Successive discounts as one: 10 % then 10 % is 19 %, not 20 %."""
    remaining = Decimal(1)
    for percent in percents:
        remaining *= 1 - percent / HUNDRED
    return (1 - remaining) * HUNDRED


def total_lines(lines: Iterable[LineAmounts], currency: str) -> Totals:
    """The quote's totals: the sums of its rounded lines (zero for no lines)."""
    lines = list(lines)
    zero = round_money(ZERO, currency)
    return Totals(
        list_total=sum((line.list_amount for line in lines), zero),
        discount_total=sum((line.discount_amount for line in lines), zero),
        net_total=sum((line.net_amount for line in lines), zero),
    )


@dataclass(frozen=True)
class TermDiscount:
    """A price book policy for recurring lines: `percent` off when the quote is billed per
    `billing_period` in advance (prepay), or when its term reaches `min_term_months`."""

    name: str
    percent: Decimal
    billing_period: str | None = None
    min_term_months: int | None = None


def term_discounts_for(
    policies: Iterable[TermDiscount], billing_period: str, term_months: int
) -> list[Discount]:
    """The prepay discount of the quote's billing period, then the best term-length discount
    its term reaches (a 36-month term gets the three-year discount, not also the two-year)."""
    policies = list(policies)
    prepay = [
        p for p in policies if p.billing_period is not None and p.billing_period == billing_period
    ]
    by_term = [
        p
        for p in policies
        if p.billing_period is None
        and p.min_term_months is not None
        and term_months >= p.min_term_months
    ]
    chosen = prepay + ([max(by_term, key=lambda p: p.min_term_months or 0)] if by_term else [])
    return [Discount(p.name, p.percent) for p in chosen]
