"""Total contract value: recurring charges once per billing period of the term, one-time once."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_svc.domain.term import periods_in_term
from contract_svc.domain.value import ChargedLine, amended_contract_value, total_contract_value
from l2c_runtime.errors import RuleViolation

SEATS_MONTHLY = ChargedLine("recurring", Decimal("1102.50"), "month", "PLAT-SEAT")
ONBOARDING = ChargedLine("one_time", Decimal("1500.00"), product_code="ONBOARD")
THIRTY_SEATS = ChargedLine("recurring", Decimal("1323.00"), "month", "PLAT-SEAT")
TERM_START = date(2026, 1, 2)  # 12 monthly periods from the 2nd: Feb 2 – Mar 1 is 28 days


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


def amended(old: list[ChargedLine], new: list[ChargedLine], effective: date) -> Decimal:
    value = total_contract_value(old, 12, "EUR")
    return amended_contract_value(value, old, new, effective, TERM_START, 12, "EUR")


def test_an_upsell_on_the_last_day_of_a_period_prorates_that_day_and_counts_the_rest_in_full() -> (
    None
):
    # 14730.00 before. From 1 March (1 day left of the 28-day period Feb 2 – Mar 1, then 10
    # whole months) 25 seats were worth 1102.50 × 1/28 = 39.375 → 39.38, + 10 × 1102.50
    # = 11064.38; 30 seats are worth 1323.00 × 1/28 = 47.25, + 10 × 1323.00 = 13277.25.
    # 14730.00 − 11064.38 + 13277.25 = 16942.87; onboarding stays in.
    current = [SEATS_MONTHLY, ONBOARDING]
    assert amended(current, [THIRTY_SEATS, ONBOARDING], date(2026, 3, 1)) == Decimal("16942.87")


def test_a_downsell_from_a_period_start_counts_whole_periods_at_each_price() -> None:
    # Six months of 30 seats (Jan 2 – Jul 1), then six of 25: 6 × 1323.00 + 6 × 1102.50.
    assert amended([THIRTY_SEATS], [SEATS_MONTHLY], date(2026, 7, 2)) == Decimal("14553.00")


def test_a_one_time_fee_the_amendment_adds_counts_once_and_the_old_one_stays() -> None:
    training = ChargedLine("one_time", Decimal("800.00"), product_code="TRAINING")
    current = [SEATS_MONTHLY, ONBOARDING]
    assert amended(current, [*current, training], date(2026, 5, 10)) == Decimal("15530.00")


def test_a_quarterly_line_prorates_the_quarter_the_change_falls_in() -> None:
    # Quarters from Jan 2; Apr 2 – Jul 1 has 91 days, 30 of them from Jun 2, then two whole
    # quarters. Support at 600.00 a quarter is worth 4 × 600.00 = 2400.00; raised to 900.00
    # from Jun 2: − 600.00 × 30/91 (197.80) + 900.00 × 30/91 (296.70) + 2 × 300.00 = 3098.90.
    old = [ChargedLine("recurring", Decimal("600.00"), "quarter", "SUPPORT")]
    new = [ChargedLine("recurring", Decimal("900.00"), "quarter", "SUPPORT")]
    assert amended(old, new, date(2026, 6, 2)) == Decimal("3098.90")


MONEY = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)


@given(MONEY, MONEY)
def test_an_amendment_from_the_term_start_is_worth_the_new_lines_over_the_term(
    before: Decimal, after: Decimal
) -> None:
    old = [ChargedLine("recurring", before, "month", "A"), ONBOARDING]
    new = [ChargedLine("recurring", after, "quarter", "A"), ONBOARDING]
    expected = total_contract_value(new, 12, "EUR")
    assert amended(old, new, TERM_START) == expected


@given(MONEY, st.dates(date(2026, 1, 2), date(2027, 1, 1)))
def test_changing_nothing_keeps_the_value_whatever_the_day(net: Decimal, effective: date) -> None:
    lines = [ChargedLine("recurring", net, "month", "A"), ONBOARDING]
    assert amended(lines, lines, effective) == total_contract_value(lines, 12, "EUR")
