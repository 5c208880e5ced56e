"""Revenue schedules by month: ratable by day with largest remainders, exact to the cent."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from billing_svc.domain.calendar import period_index_of, service_period
from billing_svc.domain.revenue import days_by_month, line_schedule, ratable_schedule

D = Decimal


def test_a_year_from_mid_january_spreads_by_days_per_month() -> None:
    schedule = ratable_schedule(D("1200.00"), date(2026, 1, 15), date(2027, 1, 14), "EUR")
    # 365 days: Jan 17, Feb 28, six months of 31, four of 30, Jan 14; 1200/365 a day.
    # Floors: 55.89 (…0411), 92.05 (…4795), 101.91 ×6 (…7808), 98.63 ×4 (…0137), 46.02
    # (…7397) make 1199.94; the 6 cents left go to the six largest remainders, the 31-day months.
    assert schedule[0] == (date(2026, 1, 1), D("55.89"))
    assert schedule[1] == (date(2026, 2, 1), D("92.05"))
    assert schedule[2] == (date(2026, 3, 1), D("101.92"))
    assert schedule[3] == (date(2026, 4, 1), D("98.63"))
    assert schedule[-1] == (date(2027, 1, 1), D("46.02"))
    assert sum(a for _, a in schedule) == D("1200.00")


def test_cents_left_by_rounding_down_go_to_the_largest_remainders() -> None:
    # 100.00 over 3 months of 31, 28, 31 days: 34.44…, 31.11…, 34.44… → floors 34.44 + 31.11
    # + 34.44 = 99.99; the one cent left goes to the first of the tied largest remainders.
    schedule = ratable_schedule(D("100.00"), date(2026, 1, 1), date(2026, 3, 31), "EUR")
    assert schedule == [
        (date(2026, 1, 1), D("34.45")),
        (date(2026, 2, 1), D("31.11")),
        (date(2026, 3, 1), D("34.44")),
    ]


def test_one_off_fees_at_the_service_start_and_usage_when_its_period_ends() -> None:
    assert line_schedule("one_time", D("1500.00"), date(2026, 3, 15), date(2026, 3, 15), "EUR") == [
        (date(2026, 3, 1), D("1500.00"))
    ]
    assert line_schedule("usage", D("14.00"), date(2026, 3, 15), date(2026, 4, 14), "EUR") == [
        (date(2026, 4, 1), D("14.00"))
    ]


def test_a_credit_gets_the_mirror_schedule() -> None:
    credit = ratable_schedule(D("-100.00"), date(2026, 1, 1), date(2026, 3, 31), "EUR")
    assert [a for _, a in credit] == [D("-34.45"), D("-31.11"), D("-34.44")]


def test_days_by_month_cover_the_period() -> None:
    assert days_by_month(date(2026, 1, 31), date(2026, 3, 1)) == [
        (date(2026, 1, 1), 1),
        (date(2026, 2, 1), 28),
        (date(2026, 3, 1), 1),
    ]


@given(
    amount=st.decimals(min_value=-100000, max_value=100000, places=2),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    length=st.integers(min_value=0, max_value=800),
)
def test_monthly_amounts_add_up_exactly_to_the_line(
    amount: Decimal, start: date, length: int
) -> None:
    schedule = ratable_schedule(amount, start, start + timedelta(days=length), "EUR")
    assert sum((a for _, a in schedule), D(0)) == amount
    assert all(a == a.quantize(D("0.01")) for _, a in schedule)


@given(
    anchor=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    months=st.sampled_from([1, 3, 12]),
    index=st.integers(min_value=0, max_value=40),
)
def test_anchored_periods_follow_each_other_without_gaps_or_drift(
    anchor: date, months: int, index: int
) -> None:
    period = service_period(anchor, months, index)
    after = service_period(anchor, months, index + 1)
    assert after.start == period.end + timedelta(days=1)
    assert period_index_of(anchor, months, period.start) == index
    assert period_index_of(anchor, months, period.end) == index


def test_a_month_end_anchor_does_not_drift_after_february() -> None:
    starts = [service_period(date(2026, 1, 31), 1, k).start for k in range(4)]
    assert starts == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
