"""Proration by day, exact to the cent (rule in billing_svc.domain.proration)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing_svc.domain.calendar import Period, service_period
from billing_svc.domain.proration import (
    RecurringCharge,
    prorate_change,
    remaining_value,
    segment_value,
)

D = Decimal
MARCH = Period(0, date(2026, 3, 1), date(2026, 3, 31))
APRIL = Period(1, date(2026, 4, 1), date(2026, 4, 30))


def seats(quantity: int, net: str) -> RecurringCharge:
    return RecurringCharge("SEAT", "Seat", D(quantity), D("10.00"), D(net))


@pytest.mark.parametrize(
    ("amount", "period", "effective", "expected"),
    [
        # 100.00 × 21/31 = 67.7419… → 67.74
        ("100.00", MARCH, date(2026, 3, 11), "67.74"),
        # 200.00 × 21/31 = 135.4838… → 135.48
        ("200.00", MARCH, date(2026, 3, 11), "135.48"),
        # 1102.50 × 15/30 = 551.25 exactly
        ("1102.50", APRIL, date(2026, 4, 16), "551.25"),
        # 0.05 × 15/30 = 0.025 → half-up 0.03
        ("0.05", APRIL, date(2026, 4, 16), "0.03"),
        # the first day leaves the whole period, the day after the last leaves nothing
        ("99.99", APRIL, date(2026, 4, 1), "99.99"),
        ("99.99", APRIL, date(2026, 4, 30), "3.33"),
        ("99.99", APRIL, date(2026, 5, 1), "0.00"),
    ],
)
def test_remaining_value_is_the_days_left_share_rounded_half_up(
    amount: str, period: Period, effective: date, expected: str
) -> None:
    assert remaining_value(D(amount), period, effective, "EUR") == D(expected)


def test_upgrade_mid_cycle_credits_the_unused_time_and_charges_only_the_remaining_days() -> None:
    lines = prorate_change(
        [seats(10, "100.00")], [seats(20, "200.00")], MARCH, date(2026, 3, 11), "EUR"
    )
    assert [(line.amount, line.period_start, line.period_end) for line in lines] == [
        (D("-67.74"), date(2026, 3, 11), date(2026, 3, 31)),
        (D("135.48"), date(2026, 3, 11), date(2026, 3, 31)),
    ]


def test_downgrade_nets_to_a_credit() -> None:
    lines = prorate_change(
        [seats(20, "200.00")], [seats(5, "50.00")], APRIL, date(2026, 4, 16), "EUR"
    )
    assert sum(line.amount for line in lines) == D("-75.00")


def test_unchanged_lines_are_not_prorated_and_removed_or_added_products_are() -> None:
    support = RecurringCharge("SUP", "Support", D(1), D("30.00"), D("30.00"))
    lines = prorate_change(
        [seats(10, "100.00"), support], [seats(10, "100.00")], APRIL, date(2026, 4, 16), "EUR"
    )
    assert [(line.product_code, line.amount) for line in lines] == [("SUP", D("-15.00"))]
    added = prorate_change(
        [seats(10, "100.00")], [seats(10, "100.00"), support], APRIL, date(2026, 4, 16), "EUR"
    )
    assert [(line.product_code, line.amount) for line in added] == [("SUP", D("15.00"))]


def test_a_change_outside_the_period_prorates_nothing() -> None:
    assert (
        prorate_change([seats(1, "10.00")], [seats(2, "20.00")], APRIL, date(2026, 5, 1), "EUR")
        == []
    )


@given(
    amount=st.decimals(min_value=0, max_value=100000, places=2),
    anchor=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    months=st.sampled_from([1, 3, 12]),
    cuts=st.lists(st.integers(min_value=1, max_value=400), max_size=6),
)
def test_prorations_of_a_period_add_up_to_the_full_periods_price(
    amount: Decimal, anchor: date, months: int, cuts: list[int]
) -> None:
    period = service_period(anchor, months, 0)
    days = sorted({c % period.days for c in cuts} - {0})
    starts = [period.start, *(period.start + timedelta(days=d) for d in days)]
    ends = [s - timedelta(days=1) for s in starts[1:]] + [period.end]
    pieces = [segment_value(amount, period, s, e, "EUR") for s, e in zip(starts, ends, strict=True)]
    assert sum(pieces, D(0)) == amount


@given(
    old=st.decimals(min_value=0, max_value=10000, places=2),
    new=st.decimals(min_value=0, max_value=10000, places=2),
    day=st.integers(min_value=0, max_value=29),
)
def test_a_change_undone_on_the_same_day_nets_to_zero(old: Decimal, new: Decimal, day: int) -> None:
    effective = APRIL.start + timedelta(days=day)
    there = prorate_change([seats(1, str(old))], [seats(2, str(new))], APRIL, effective, "EUR")
    back = prorate_change([seats(2, str(new))], [seats(1, str(old))], APRIL, effective, "EUR")
    assert sum(line.amount for line in there + back) == 0
