"""Usage aggregation and rating, by hand at the tier edges."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from billing_svc.domain.usage import (
    Tier,
    UsageEvent,
    UsagePlan,
    aggregate,
    rate_package,
    rate_tiered,
    rate_volume,
    usage_charge,
)

D = Decimal
TIERS = (Tier(D(100), D("0.10")), Tier(D(1000), D("0.08")), Tier(None, D("0.05")))


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


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("0", "0.00"),
        ("100", "10.00"),  # 100 × 0.10
        ("101", "10.08"),  # + 1 × 0.08
        ("1000", "82.00"),  # 10.00 + 900 × 0.08
        ("1001", "82.05"),  # + 1 × 0.05
        ("2500", "157.00"),  # 82.00 + 1500 × 0.05
    ],
)
def test_graduated_tiers_price_each_unit_in_its_tier(quantity: str, expected: str) -> None:
    assert rate_tiered(D(quantity), TIERS, "EUR") == D(expected)


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("100", "10.00"),  # 100 × 0.10
        ("101", "8.08"),  # 101 × 0.08: more units can cost less under volume pricing
        ("1000", "80.00"),
        ("1001", "50.05"),
    ],
)
def test_volume_tiers_price_every_unit_at_the_totals_tier(quantity: str, expected: str) -> None:
    assert rate_volume(D(quantity), TIERS, "EUR") == D(expected)


def test_a_flat_fee_is_charged_once_when_its_tier_is_reached() -> None:
    tiers = (Tier(D(10), D(0)), Tier(None, D("1.00"), flat_fee=D("20.00")))
    assert rate_tiered(D(10), tiers, "EUR") == D("0.00")
    assert rate_tiered(D(11), tiers, "EUR") == D("21.00")


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [("0", "0.00"), ("1", "5.00"), ("1000", "5.00"), ("1001", "10.00"), ("2000", "10.00")],
)
def test_every_started_package_is_charged_in_full(quantity: str, expected: str) -> None:
    assert rate_package(D(quantity), D(1000), D("5.00"), "EUR") == D(expected)


def test_a_late_event_is_charged_as_the_difference_to_what_was_invoiced() -> None:
    plan = UsagePlan("calls", "API", "API calls", "sum", "tiered", TIERS)
    billed = [at(1, "100")]
    assert usage_charge([], billed, plan, "EUR") == (D(100), D("10.00"))
    # 101 units cost 10.08; 10.00 was invoiced: the adjustment is 0.08 for 1 unit.
    assert usage_charge(billed, [at(2, "1")], plan, "EUR") == (D(1), D("0.08"))


def test_a_late_event_below_the_max_changes_nothing() -> None:
    plan = UsagePlan("seats", "SEATS", "Peak seats", "max", "volume", TIERS)
    assert usage_charge([at(1, "50")], [at(2, "20")], plan, "EUR") == (D(0), D("0.00"))


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
