"""The trial's rules as pure functions: free days, notices, when billing starts."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from billing_svc.domain.drafting import bill_date
from billing_svc.domain.trial import (
    cancelled_in_trial,
    charged_from,
    ending_notice_due,
    first_charge_date,
    free_period,
    notice_date,
    trial_end,
)


def test_a_14_day_trial_from_1_march_is_free_to_the_14th_and_announced_on_the_12th() -> None:
    end = trial_end(date(2026, 3, 1), 14)
    assert end == date(2026, 3, 14)
    assert first_charge_date(end) == date(2026, 3, 15)
    assert notice_date(end, 3) == date(2026, 3, 12)
    assert [ending_notice_due(end, 3, date(2026, 3, d)) for d in (11, 12, 14, 15)] == [
        False,
        True,
        True,
        False,  # after the trial a reminder would announce the past
    ]
    assert trial_end(date(2026, 3, 1), 0) is None


def test_a_last_day_inside_the_trial_is_a_cancellation_in_the_trial() -> None:
    end = date(2026, 3, 14)
    assert cancelled_in_trial(end, date(2026, 3, 10))
    assert cancelled_in_trial(end, end)
    assert not cancelled_in_trial(end, date(2026, 3, 15))
    assert not cancelled_in_trial(None, date(2026, 3, 10))


def test_the_first_period_of_a_trial_is_invoiced_on_the_first_paid_day() -> None:
    end = date(2026, 3, 14)
    assert bill_date(date(2026, 3, 1), 1, 0, "in_advance", end) == date(2026, 3, 15)
    assert bill_date(date(2026, 3, 1), 1, 1, "in_advance", end) == date(2026, 4, 1)
    # in arrears March is invoiced after it ends, which is after the trial anyway
    assert bill_date(date(2026, 3, 1), 1, 0, "in_arrears", end) == date(2026, 4, 1)
    # a 45-day trial covers March: it and April are invoiced on 15 April
    long = date(2026, 4, 14)
    assert bill_date(date(2026, 3, 1), 1, 0, "in_advance", long) == date(2026, 4, 15)
    assert free_period(long, date(2026, 3, 31))
    assert not free_period(long, date(2026, 4, 30))


def test_a_change_during_the_trial_is_charged_from_the_first_paid_day() -> None:
    end = date(2026, 3, 14)
    assert charged_from(date(2026, 3, 5), end) == date(2026, 3, 15)
    assert charged_from(date(2026, 3, 20), end) == date(2026, 3, 20)
    assert charged_from(date(2026, 3, 5), None) == date(2026, 3, 5)


@given(
    start=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    days=st.integers(1, 365),
    index=st.integers(0, 36),
    timing=st.sampled_from(["in_advance", "in_arrears"]),
)
def test_nothing_is_invoiced_during_a_trial_and_later_periods_keep_their_dates(
    start: date, days: int, index: int, timing: str
) -> None:
    end = trial_end(start, days)
    assert end is not None and (end - start).days + 1 == days
    with_trial = bill_date(start, 1, index, timing, end)
    without = bill_date(start, 1, index, timing)
    assert with_trial > end
    assert with_trial == max(without, end + timedelta(days=1))
