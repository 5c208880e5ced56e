"""Metered usage: aggregate a period's usage events into one quantity, then rate it.

Aggregations: sum, count, max, unique_count (distinct `unique_key`s) and latest (the quantity
of the last event by occurrence time). Rating models (prices per unit in the subscription's
currency, the line rounded half-up once):
- tiered (graduated): each unit is priced by the tier it falls in; 1–100 at 0.10 and 101+ at
  0.08 makes 150 units 100 × 0.10 + 50 × 0.08 = 14.00;
- volume: every unit is priced by the one tier the total falls in; 150 units at 0.08 = 12.00;
- package: units are sold in packages of `package_size`, any started package is charged in
  full; 1001 units in packages of 1000 at 5.00 = 2 × 5.00 = 10.00.
A tier may also carry a flat fee, charged once when the quantity reaches that tier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from typing import Literal

from l2c_schemas.money import round_money

Aggregation = Literal["sum", "count", "max", "unique_count", "latest"]
RatingModel = Literal["tiered", "volume", "package"]


@dataclass(frozen=True)
class UsageEvent:
    quantity: Decimal
    occurred_at: datetime
    unique_key: str | None = None


@dataclass(frozen=True)
class Tier:
    up_to: Decimal | None
    """Last unit of the tier, inclusive; None for the open-ended top tier."""
    unit_price: Decimal
    flat_fee: Decimal = Decimal(0)


@dataclass(frozen=True)
class UsagePlan:
    metric: str
    product_code: str
    description: str
    aggregation: Aggregation
    model: RatingModel
    tiers: tuple[Tier, ...] = ()
    package_size: Decimal = Decimal(1)
    package_price: Decimal = Decimal(0)


def aggregate(events: Sequence[UsageEvent], aggregation: Aggregation) -> Decimal:
    """One period's billable quantity from its events (0 for no events)."""
    if not events:
        return Decimal(0)
    if aggregation == "sum":
        return sum((e.quantity for e in events), Decimal(0))
    if aggregation == "count":
        return Decimal(len(events))
    if aggregation == "max":
        return max(e.quantity for e in events)
    if aggregation == "unique_count":
        return Decimal(len({e.unique_key for e in events if e.unique_key is not None}))
    # latest: ties on time are broken by the larger quantity, so the answer is order-free.
    return max(events, key=lambda e: (e.occurred_at, e.quantity)).quantity


def rate_tiered(quantity: Decimal, tiers: Sequence[Tier], currency: str) -> Decimal:
    """Graduated pricing: each unit at the price of the tier it falls in."""
    total, floor = Decimal(0), Decimal(0)
    for tier in tiers:
        if quantity <= floor:
            break
        ceiling = quantity if tier.up_to is None else min(quantity, tier.up_to)
        total += (ceiling - floor) * tier.unit_price + tier.flat_fee
        if tier.up_to is None:
            break
        floor = tier.up_to
    return round_money(total, currency)


def rate_volume(quantity: Decimal, tiers: Sequence[Tier], currency: str) -> Decimal:
    """Volume pricing: all units at the price of the tier the total quantity falls in."""
    if quantity <= 0:
        return round_money(Decimal(0), currency)
    for tier in tiers:
        if tier.up_to is None or quantity <= tier.up_to:
            return round_money(quantity * tier.unit_price + tier.flat_fee, currency)
    raise ValueError("volume tiers must end with an open-ended tier")


def rate_package(
    quantity: Decimal, package_size: Decimal, package_price: Decimal, currency: str
) -> Decimal:
    """Package pricing: every started package of `package_size` units costs `package_price`."""
    if quantity <= 0:
        return round_money(Decimal(0), currency)
    packages = (quantity / package_size).to_integral_value(rounding=ROUND_CEILING)
    return round_money(packages * package_price, currency)


def rate(quantity: Decimal, plan: UsagePlan, currency: str) -> Decimal:
    """The price of `quantity` units under the plan's model."""
    if plan.model == "tiered":
        return rate_tiered(quantity, plan.tiers, currency)
    if plan.model == "volume":
        return rate_volume(quantity, plan.tiers, currency)
    return rate_package(quantity, plan.package_size, plan.package_price, currency)


def usage_charge(
    billed: Sequence[UsageEvent],
    unbilled: Sequence[UsageEvent],
    plan: UsagePlan,
    currency: str,
) -> tuple[Decimal, Decimal]:
    """(quantity, amount) still to invoice for one period: the rating of all its events less
    what was invoiced before (the rating of the events billed already). For the first invoice
    of a period `billed` is empty; a late event after it gives the difference as an adjustment,
    which is right for every aggregation and model (none of them is additive)."""
    before = aggregate(billed, plan.aggregation)
    after = aggregate([*billed, *unbilled], plan.aggregation)
    amount = rate(after, plan, currency) - (rate(before, plan, currency) if billed else 0)
    return after - before, round_money(amount, currency)
