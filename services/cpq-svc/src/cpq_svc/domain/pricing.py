"""Quote pricing: the list price of a line under its pricing model, the waterfall of discounts
from list to net, and the quote's totals.

Each amount is rounded half-up at the currency's minor unit on its line; totals are sums of
the rounded lines, so the lines of a quote, an invoice and a ledger always add up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Literal

from l2c_schemas.errors import RuleViolation
from l2c_schemas.money import round_money

HUNDRED = Decimal(100)
ZERO = Decimal(0)

PricingModel = Literal["flat", "per_unit", "graduated", "volume", "package"]
PRICING_MODELS: tuple[PricingModel, ...] = ("flat", "per_unit", "graduated", "volume", "package")


@dataclass(frozen=True)
class Tier:
    """Units up to and including `up_to` (None: no upper bound) cost `unit_price` each, plus
    `flat_fee` once when the quantity reaches the tier."""

    up_to: Decimal | None
    unit_price: Decimal
    flat_fee: Decimal = ZERO


@dataclass(frozen=True)
class PriceSpec:
    """How a price book prices a product.

    - flat: `amount` for the line whatever the quantity;
    - per_unit: quantity × `amount`;
    - graduated: each unit at the price of the tier it falls in (like income tax);
    - volume: every unit at the price of the tier the whole quantity falls in;
    - package: `amount` per started package of `package_size` units.
    """

    model: PricingModel
    amount: Decimal = ZERO
    tiers: tuple[Tier, ...] = ()
    package_size: Decimal = Decimal(1)


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


def check_spec(spec: PriceSpec) -> None:
    """Refuse a price that cannot be applied: negative prices, tiers out of order, a last tier
    with an upper bound, a package of no units."""
    if spec.amount < 0:
        raise RuleViolation(f"a {spec.model} price must not be negative, not {spec.amount}")
    if spec.model in ("graduated", "volume"):
        if not spec.tiers:
            raise RuleViolation(f"a {spec.model} price needs at least one tier")
        bounds = [tier.up_to for tier in spec.tiers]
        if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
            raise RuleViolation("only the last tier may (and must) be open-ended")
        closed = [b for b in bounds if b is not None]
        if any(b <= a for a, b in zip([ZERO, *closed], closed, strict=False)):
            raise RuleViolation("tier upper bounds must be positive and increasing")
        if any(t.unit_price < 0 or t.flat_fee < 0 for t in spec.tiers):
            raise RuleViolation("tier prices must not be negative")
    if spec.model == "package" and spec.package_size <= 0:
        raise RuleViolation(
            f"a package must hold a positive number of units, not {spec.package_size}"
        )


def list_price(spec: PriceSpec, quantity: Decimal) -> Decimal:
    """The unrounded list price of `quantity` units. E.g. graduated tiers 1–10 at 10.00 and
    11+ at 8.00 give 12 units 10 × 10.00 + 2 × 8.00 = 116.00; as volume tiers 12 × 8.00 = 96.00."""
    if quantity <= 0:
        raise RuleViolation(f"quantity must be positive, not {quantity}")
    check_spec(spec)
    if spec.model == "flat":
        return spec.amount
    if spec.model == "per_unit":
        return quantity * spec.amount
    if spec.model == "package":
        packages = (quantity / spec.package_size).to_integral_value(rounding=ROUND_CEILING)
        return packages * spec.amount
    if spec.model == "volume":
        tier = next(t for t in spec.tiers if t.up_to is None or quantity <= t.up_to)
        return quantity * tier.unit_price + tier.flat_fee
    total, floor = ZERO, ZERO
    for tier in spec.tiers:
        if quantity <= floor:
            break
        ceiling = quantity if tier.up_to is None else min(quantity, tier.up_to)
        total += (ceiling - floor) * tier.unit_price + tier.flat_fee
        floor = ceiling if tier.up_to is None else tier.up_to
    return total


def price_waterfall(
    spec: PriceSpec, quantity: Decimal, discounts: Sequence[Discount], currency: str
) -> LineAmounts:
    """List price rounded half-up, then each discount in order as a percentage of the price the
    previous steps left, each step's amount rounded on its own; net = list − the steps.
    Steps of 0 % are left out of the waterfall."""
    list_amount = round_money(list_price(spec, quantity), currency)
    price, steps = list_amount, []
    for discount in discounts:
        if not ZERO <= discount.percent <= HUNDRED:
            raise RuleViolation(
                f"{discount.step} must be between 0 and 100 percent, not {discount.percent}"
            )
        if discount.percent == 0:
            continue
        amount = round_money(price * discount.percent / HUNDRED, currency)
        price -= amount
        steps.append(WaterfallStep(discount.step, discount.percent, amount, price))
    return LineAmounts(list_amount, list_amount - price, price, tuple(steps))


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


def unit_price_shown(unit_price: Decimal, currency: str) -> Decimal:
    """Unit prices carry up to four decimals; show them at the currency's precision when that
    is exact (49.0000 → 49.00) and otherwise as they are (33.3333)."""
    rounded = round_money(unit_price, currency)
    return rounded if rounded == unit_price else unit_price.normalize()


def average_unit_price(list_amount: Decimal, quantity: Decimal) -> Decimal:
    """What one unit costs on average under a tiered, flat or package price, to four decimals;
    shown as the line's unit price."""
    return (list_amount / quantity).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


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
