"""Total contract value: recurring charges once per billing period of the term, one-time once."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_svc.domain.term import periods_in_term
from contract_svc.domain.value import ChargedLine, total_contract_value
from l2c_runtime.errors import RuleViolation

SEATS_MONTHLY = ChargedLine("recurring", Decimal("1102.50"), "month")
ONBOARDING = ChargedLine("one_time", Decimal("1500.00"))


def test_twelve_months_of_seats_plus_onboarding_is_14730() -> None:
    # 25 seats at 1102.50 net a month: 12 x 1102.50 = 13230.00, plus 1500.00 onboarding.
    assert total_contract_value([SEATS_MONTHLY, ONBOARDING], 12, "EUR") == Decimal("14730.00")


def test_a_quarterly_charge_counts_once_per_quarter() -> None:
    support = ChargedLine("recurring", Decimal("600.00"), "quarter")
    assert total_contract_value([support], 24, "EUR") == Decimal("4800.00")  # 8 quarters


def test_a_yearly_charge_over_three_years_counts_three_times() -> None:
    platform = ChargedLine("recurring", Decimal("12000.00"), "year")
    assert total_contract_value([platform, ONBOARDING], 36, "EUR") == Decimal("37500.00")


def test_a_one_time_charge_counts_once_whatever_the_term() -> None:
    assert total_contract_value([ONBOARDING], 36, "EUR") == Decimal("1500.00")


def test_a_contract_without_lines_is_worth_nothing() -> None:
    assert total_contract_value([], 12, "EUR") == Decimal("0.00")


def test_the_value_is_rounded_to_the_currencys_minor_unit() -> None:
    seats = ChargedLine("recurring", Decimal("1500"), "month")
    assert total_contract_value([seats], 12, "JPY") == Decimal("18000")


@pytest.mark.parametrize(
    ("term_months", "period", "periods"),
    [(12, "month", 12), (12, "quarter", 4), (12, "year", 1), (36, "year", 3), (3, "quarter", 1)],
)
def test_periods_in_term(term_months: int, period: str, periods: int) -> None:
    assert periods_in_term(term_months, period) == periods


@pytest.mark.parametrize(("term_months", "period"), [(10, "year"), (13, "quarter"), (2, "quarter")])
def test_a_term_that_is_not_a_whole_number_of_billing_periods_is_refused(
    term_months: int, period: str
) -> None:
    with pytest.raises(RuleViolation):
        periods_in_term(term_months, period)


def test_an_unknown_billing_period_is_refused() -> None:
    with pytest.raises(RuleViolation):
        periods_in_term(12, "week")


def test_a_recurring_line_without_a_billing_period_is_refused() -> None:
    with pytest.raises(RuleViolation):
        total_contract_value([ChargedLine("recurring", Decimal("10.00"))], 12, "EUR")


@given(
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    st.integers(1, 10),
)
def test_a_monthly_charge_and_its_quarterly_equivalent_are_worth_the_same(
    monthly: Decimal, years: int
) -> None:
    as_months = ChargedLine("recurring", monthly, "month")
    as_quarters = ChargedLine("recurring", monthly * 3, "quarter")
    assert total_contract_value([as_months], 12 * years, "EUR") == total_contract_value(
        [as_quarters], 12 * years, "EUR"
    )
