"""The contract term: starts the day after acceptance, runs whole calendar months."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_svc.domain.term import add_months, contract_term
from l2c_runtime.errors import RuleViolation


def test_adding_a_month_keeps_the_day_of_month() -> None:
    assert add_months(date(2026, 3, 15), 1) == date(2026, 4, 15)


def test_adding_a_month_to_january_31st_ends_on_the_last_day_of_february() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_adding_a_month_to_january_31st_of_a_leap_year_lands_on_february_29th() -> None:
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)


def test_a_year_after_february_29th_is_february_28th() -> None:
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)


def test_adding_months_crosses_the_year_end() -> None:
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)


def test_a_twelve_month_contract_starts_the_day_after_acceptance_and_ends_a_year_later() -> None:
    term = contract_term(datetime(2026, 3, 14, 16, 30, tzinfo=UTC), 12, "month")
    assert term.start_date == date(2026, 3, 15)
    assert term.end_date == date(2027, 3, 14)
    assert term.months == 12


def test_acceptance_on_december_31st_starts_the_contract_on_new_years_day() -> None:
    term = contract_term(datetime(2025, 12, 31, 23, 59, tzinfo=UTC), 12, "month")
    assert (term.start_date, term.end_date) == (date(2026, 1, 1), date(2026, 12, 31))


def test_a_one_month_contract_starting_january_31st_ends_february_27th() -> None:
    term = contract_term(datetime(2026, 1, 30, 9, 0, tzinfo=UTC), 1, "month")
    assert (term.start_date, term.end_date) == (date(2026, 1, 31), date(2026, 2, 27))


def test_a_contract_starting_on_leap_day_runs_to_the_day_before_the_clamped_anniversary() -> None:
    term = contract_term(datetime(2028, 2, 28, 12, 0, tzinfo=UTC), 12, "month")
    assert (term.start_date, term.end_date) == (date(2028, 2, 29), date(2029, 2, 27))


def test_the_acceptance_day_is_the_utc_calendar_day() -> None:
    # 23:30 in New York on March 14th is already March 15th in UTC.
    new_york = timezone(timedelta(hours=-4))
    term = contract_term(datetime(2026, 3, 14, 23, 30, tzinfo=new_york), 12, "month")
    assert term.start_date == date(2026, 3, 16)


@pytest.mark.parametrize("months", [0, -12])
def test_a_term_shorter_than_a_month_is_refused(months: int) -> None:
    with pytest.raises(RuleViolation):
        contract_term(datetime(2026, 3, 14, tzinfo=UTC), months, "month")


def test_a_term_that_is_not_a_whole_number_of_billing_periods_is_refused() -> None:
    with pytest.raises(RuleViolation):
        contract_term(datetime(2026, 3, 14, tzinfo=UTC), 10, "year")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2900, 1, 1)), st.integers(0, 1200))
def test_adding_months_lands_in_the_right_month_never_after_the_same_day(
    day: date, months: int
) -> None:
    later = add_months(day, months)
    assert later.year * 12 + later.month == day.year * 12 + day.month + months
    assert later.day <= day.day
    if later.day < day.day:  # clamped only when the target month is too short
        assert (later + timedelta(days=1)).day == 1


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2900, 1, 1)), st.integers(1, 120))
def test_consecutive_terms_leave_no_gap_and_do_not_overlap(day: date, months: int) -> None:
    accepted = datetime(day.year, day.month, day.day, tzinfo=UTC)
    term = contract_term(accepted, months, "month")
    assert term.start_date <= term.end_date
    assert term.end_date + timedelta(days=1) == add_months(term.start_date, months)
