"""Metered usage: aggregate a period's usage events into one quantity, then price it.

Aggregations: sum, count, max, unique_count (distinct `unique_key`s) and latest (the quantity
of the last event by occurrence time). The price is the l2c_pricing library's, the one the
quote was priced with (flat, per unit, graduated, volume, package, with flat fees), rounded
half-up on the line once.

Where a subscription's usage prices come from (`UsagePrices`): the usage rates of the accepted
quote, carried by the order and replaced by an amendment from its effective date; a usage
period is priced at the rates in force on its first day. Only an order (or amendment) that
carries no usage rates leaves its usage to billing's default plans (`PUT /usage-plans`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from l2c_pricing import PriceSpec, price_change, spec_of_rate
from l2c_schemas.cpq import UsageAggregation, UsageRate
from l2c_schemas.errors import RuleViolation

Aggregation = UsageAggregation


@dataclass(frozen=True)
class UsageEvent:
    quantity: Decimal
    occurred_at: datetime
    unique_key: str | None = None


@dataclass(frozen=True)
class UsagePlan:
    """How usage of one metric is billed: aggregated, priced, and named on the invoice."""

    metric: str
    product_code: str
    description: str
    aggregation: Aggregation
    price: PriceSpec


def plans_of_rates(rates: Sequence[UsageRate]) -> dict[str, UsagePlan]:
    """The quoted usage rates as plans by metric; a rate that cannot be applied, or two rates
    for one metric, are refused with the reason (RuleViolation)."""
    plans: dict[str, UsagePlan] = {}
    for rate in rates:
        if rate.metric in plans:
            raise RuleViolation(f"two usage rates for the metric {rate.metric}")
        plans[rate.metric] = UsagePlan(
            rate.metric, rate.product_code, rate.description, rate.aggregation, spec_of_rate(rate)
        )
    return plans


@dataclass(frozen=True)
class UsagePrices:
    """A subscription's usage prices: the quoted sets by the date they take effect (the
    order's from its start, an amendment's from its effective date), and the default plans
    of its currency for when the set in force is empty."""

    quoted: Sequence[tuple[date, Mapping[str, UsagePlan]]] = ()
    defaults: Mapping[str, UsagePlan] = field(default_factory=dict)

    def plan_for(self, metric: str, period_start: date) -> UsagePlan | None:
        """The plan that prices `metric` in the usage period starting `period_start`: from the
        quoted set in force that day (the first set for usage before the start), else, when
        that set is empty, the default plan; None when nothing prices it (the usage waits)."""
        ordered = sorted(self.quoted, key=lambda entry: entry[0])
        in_force = [plans for start, plans in ordered if start <= period_start]
        plans = in_force[-1] if in_force else (ordered[0][1] if ordered else {})
        if plans:
            return plans.get(metric)
        return self.defaults.get(metric)


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


def usage_charge(
    billed: Sequence[UsageEvent],
    unbilled: Sequence[UsageEvent],
    plan: UsagePlan,
    currency: str,
) -> tuple[Decimal, Decimal]:
    """(quantity, amount) still to invoice for one period: the price of all its events less
    the price of the events invoiced before. For the first invoice of a period `billed` is
    empty; a late event after it gives the difference as an adjustment, which is right for
    every aggregation and model (none of them is additive). E.g. graduated 1–100 at 0.10 and
    101+ at 0.08: 100 units invoiced at 10.00, one late unit adds 10.08 − 10.00 = 0.08."""
    before = aggregate(billed, plan.aggregation)
    after = aggregate([*billed, *unbilled], plan.aggregation)
    return after - before, price_change(plan.price, before, after, currency)
