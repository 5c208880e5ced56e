"""Usage aggregation and pricing, by hand at the tier edges, and where the prices come from
(the pricing models themselves are l2c_pricing's, tested in shared/pricing)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from billing_svc.domain.usage import (
    UsageEvent,
    UsagePlan,
    UsagePrices,
    aggregate,
    plans_of_rates,
    usage_charge,
)
from l2c_pricing import PriceSpec, Tier, usage_rate
from l2c_schemas.errors import RuleViolation

D = Decimal
TIERS = (Tier(D(100), D("0.10")), Tier(D(1000), D("0.08")), Tier(None, D("0.05")))
GRADUATED = PriceSpec("graduated", tiers=TIERS)


def at(hour: int, quantity: str, key: str | None = None) -> UsageEvent:
    return UsageEvent(D(quantity), datetime(2026, 3, 1, hour, tzinfo=UTC), key)


EVENTS = [at(1, "5", "ann"), at(3, "2", "bob"), at(2, "9", "ann")]


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [("sum", "16"), ("count", "3"), ("max", "9"), ("unique_count", "2"), ("latest", "2")],
)
def test_aggregations_of_one_periods_events(aggregation: str, expected: str) -> None:
    assert aggregate(EVENTS, aggregation) == D(expected)  # type: ignore[arg-type]


def test_no_events_aggregate_to_zero() -> None:
    assert aggregate([], "max") == 0


def test_a_late_event_is_charged_as_the_difference_to_what_was_invoiced() -> None:
    plan = UsagePlan("calls", "API", "API calls", "sum", GRADUATED)
    billed = [at(1, "100")]
    assert usage_charge([], billed, plan, "EUR") == (D(100), D("10.00"))
    # 101 units cost 10.08; 10.00 was invoiced: the adjustment is 0.08 for 1 unit.
    assert usage_charge(billed, [at(2, "1")], plan, "EUR") == (D(1), D("0.08"))


def test_a_late_event_below_the_max_changes_nothing() -> None:
    plan = UsagePlan("seats", "SEATS", "Peak seats", "max", PriceSpec("volume", tiers=TIERS))
    assert usage_charge([at(1, "50")], [at(2, "20")], plan, "EUR") == (D(0), D("0.00"))


def test_a_flat_fee_of_the_price_is_charged_once_per_period_not_again_for_late_usage() -> None:
    plan = UsagePlan(
        "calls", "API", "API calls", "sum", PriceSpec("per_unit", D("0.10"), flat_fee=D("20.00"))
    )
    assert usage_charge([], [at(1, "10")], plan, "EUR") == (D(10), D("21.00"))
    assert usage_charge([at(1, "10")], [at(2, "5")], plan, "EUR") == (D(5), D("0.50"))


def quoted(price: PriceSpec, metric: str = "calls") -> dict[str, UsagePlan]:
    return plans_of_rates(
        [
            usage_rate(
                price,
                "EUR",
                product_code="API",
                description="API calls",
                metric=metric,
                unit="call",
            )
        ]
    )


DEFAULTS = {"calls": UsagePlan("calls", "API", "API calls", "sum", PriceSpec("per_unit", D(9)))}
MARCH, APRIL, MAY = date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)


def test_the_quoted_rate_prices_usage_and_the_default_plan_does_not() -> None:
    prices = UsagePrices([(MARCH, quoted(GRADUATED))], DEFAULTS)
    plan = prices.plan_for("calls", MARCH)
    assert plan is not None and plan.price == GRADUATED
    assert usage_charge([], [at(1, "150")], plan, "EUR") == (D(150), D("14.00"))  # 10 + 4


def test_a_metric_the_quote_did_not_price_is_not_billed_at_a_default() -> None:
    prices = UsagePrices([(MARCH, quoted(GRADUATED))], {"storage": DEFAULTS["calls"]})
    assert prices.plan_for("storage", MARCH) is None


def test_an_order_without_usage_rates_is_rated_by_the_default_plan() -> None:
    assert UsagePrices((), DEFAULTS).plan_for("calls", MARCH) == DEFAULTS["calls"]
    assert UsagePrices([(MARCH, {})], DEFAULTS).plan_for("calls", APRIL) == DEFAULTS["calls"]
    assert UsagePrices((), {}).plan_for("calls", MARCH) is None


def test_an_amendments_rates_price_the_periods_from_its_effective_date() -> None:
    later = PriceSpec("per_unit", D("0.07"))
    prices = UsagePrices([(APRIL, quoted(later)), (MARCH, quoted(GRADUATED))], DEFAULTS)
    assert [prices.plan_for("calls", day).price for day in (MARCH, APRIL, MAY)] == [  # type: ignore[union-attr]
        GRADUATED,
        later,
        later,
    ]
    # usage filed before the order's start is priced by the order's rates
    assert prices.plan_for("calls", date(2026, 2, 1)).price == GRADUATED  # type: ignore[union-attr]


def test_rates_that_cannot_be_applied_are_refused() -> None:
    rate = usage_rate(GRADUATED, "EUR", product_code="A", description="A", metric="m", unit="u")
    with pytest.raises(RuleViolation, match="two usage rates for the metric m"):
        plans_of_rates([rate, rate])
    broken = rate.model_copy(update={"pricing_model": "tiered"})
    with pytest.raises(RuleViolation, match="usage rate A: unknown pricing model"):
        plans_of_rates([broken])


def test_a_usage_time_without_an_offset_is_utc_whatever_the_hosts_time_zone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from billing_svc.handlers.metering import _utc

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        # 22:00 on 30 April, no offset: April (in New York local time it would be 1 May UTC)
        assert _utc(datetime(2026, 4, 30, 22, 0)) == datetime(2026, 4, 30, 22, 0, tzinfo=UTC)
        assert _utc(datetime(2026, 4, 30, 22, 0)).date().month == 4
        plus_two = datetime(2026, 5, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))
        assert _utc(plus_two) == datetime(2026, 4, 30, 23, 0, tzinfo=UTC)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
