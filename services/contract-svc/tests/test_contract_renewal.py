"""Renewal notice, uplifted prices of the next term, and termination with notice."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_svc.domain.renewal import (
    check_renewal_window,
    next_term,
    renewal_due_on,
    renewal_lines,
    termination_effective_date,
    uplift_amount,
    uplift_line,
)
from l2c_runtime.errors import RuleViolation
from l2c_schemas import Money, PricedLine


def seats(net: str = "1102.50", list_amount: str = "1225.00") -> PricedLine:
    return PricedLine(
        line_no=1,
        product_code="PLAT-SEAT",
        description="Platform seat",
        charge="recurring",
        billing_period="month",
        quantity=Decimal(25),
        unit_price=Money.of("49.00", "EUR"),
        list_amount=Money.of(list_amount, "EUR"),
        discount_percent=Decimal(10),
        discount_amount=Money.of(Decimal(list_amount) - Decimal(net), "EUR"),
        net_amount=Money.of(net, "EUR"),
    )


ONBOARDING = PricedLine(
    line_no=2,
    product_code="ONBOARD",
    description="Onboarding",
    charge="one_time",
    quantity=Decimal(1),
    unit_price=Money.of("1500.00", "EUR"),
    list_amount=Money.of("1500.00", "EUR"),
    discount_percent=Decimal(0),
    discount_amount=Money.of("0", "EUR"),
    net_amount=Money.of("1500.00", "EUR"),
)


def test_3_percent_on_1102_50_is_1135_58_rounded_half_up() -> None:
    # 1102.50 × 1.03 = 1135.575 → 1135.58
    assert uplift_amount(Decimal("1102.50"), Decimal(3), "EUR") == Decimal("1135.58")


def test_an_uplifted_line_keeps_list_minus_discount_equal_to_net() -> None:
    line = uplift_line(seats(), Decimal(3))
    # list 1225.00 × 1.03 = 1261.75; net 1135.58; discount 1261.75 − 1135.58 = 126.17
    assert line.net_amount == Money.of("1135.58", "EUR")
    assert line.list_amount == Money.of("1261.75", "EUR")
    assert line.discount_amount == Money.of("126.17", "EUR")
    assert line.unit_price.amount == Decimal("50.47")
    assert line.quantity == Decimal(25)


def test_a_renewal_drops_one_time_fees() -> None:
    lines = renewal_lines([seats(), ONBOARDING], Decimal(3))
    assert [line.product_code for line in lines] == ["PLAT-SEAT"]


def test_zero_uplift_renews_at_the_same_price() -> None:
    assert uplift_line(seats(), Decimal(0)) == seats()


@given(
    net_cents=st.integers(min_value=0, max_value=10**9),
    discount_cents=st.integers(min_value=0, max_value=10**9),
    uplift=st.decimals(min_value=0, max_value=100, places=2),
)
def test_uplift_never_lowers_a_price_and_keeps_the_line_consistent(
    net_cents: int, discount_cents: int, uplift: Decimal
) -> None:
    net = Decimal(net_cents) / 100
    list_amount = net + Decimal(discount_cents) / 100
    line = uplift_line(seats(str(net), str(list_amount)), uplift)
    assert line.net_amount.amount >= net
    assert line.list_amount.amount - line.discount_amount.amount == line.net_amount.amount
    assert line.discount_amount.amount >= 0


def test_renewal_is_due_60_days_before_the_last_day() -> None:
    assert renewal_due_on(date(2027, 11, 26), 60) == date(2027, 9, 27)


def test_the_next_term_starts_the_day_after_the_end_for_the_same_months() -> None:
    assert next_term(date(2027, 11, 26), 12) == (date(2027, 11, 27), date(2028, 11, 26))


def test_a_renewal_before_the_window_opens_is_refused_with_the_opening_date() -> None:
    with pytest.raises(RuleViolation, match="opens on 2027-09-27"):
        check_renewal_window(date(2027, 9, 26), date(2027, 11, 26), 60)
    check_renewal_window(date(2027, 9, 27), date(2027, 11, 26), 60)
    check_renewal_window(date(2027, 11, 26), date(2027, 11, 26), 60)


def test_a_renewal_after_the_term_ended_is_refused() -> None:
    with pytest.raises(RuleViolation, match="ended on 2027-11-26"):
        check_renewal_window(date(2027, 11, 27), date(2027, 11, 26), 60)


def test_termination_by_default_ends_with_the_current_term() -> None:
    assert termination_effective_date(date(2027, 3, 1), 30, date(2027, 11, 26)) == date(
        2027, 11, 26
    )


def test_termination_respects_the_notice_period() -> None:
    end = date(2027, 11, 26)
    assert termination_effective_date(date(2027, 3, 1), 30, end, date(2027, 3, 31)) == date(
        2027, 3, 31
    )
    with pytest.raises(RuleViolation, match="30 days' notice: the earliest last day"):
        termination_effective_date(date(2027, 3, 1), 30, end, date(2027, 3, 30))


def test_termination_with_too_little_notice_left_in_the_term_is_refused() -> None:
    with pytest.raises(RuleViolation, match="30 days' notice"):
        termination_effective_date(date(2027, 11, 1), 30, date(2027, 11, 26))


def test_termination_after_the_term_is_refused() -> None:
    with pytest.raises(RuleViolation, match="cannot take effect later"):
        termination_effective_date(date(2027, 3, 1), 30, date(2027, 11, 26), date(2028, 1, 1))


@given(
    end=st.dates(min_value=date(2020, 1, 1), max_value=date(2100, 1, 1)),
    months=st.sampled_from([1, 3, 6, 12, 24, 36]),
)
def test_renewed_terms_follow_each_other_without_gap_or_overlap(end: date, months: int) -> None:
    start, new_end = next_term(end, months)
    assert (start - end).days == 1
    assert new_end > start
    following, _ = next_term(new_end, months)
    assert (following - new_end).days == 1
