"""Amendments re-price changed lines at the contract's frozen prices."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contract_svc.domain.amendment import (
    LineChange,
    amend_lines,
    check_effective_date,
    price_line,
)
from l2c_platform.journey import demo_quote_accepted
from l2c_runtime.errors import RuleViolation
from l2c_schemas import Money

# The demo's lines: 25 seats × 49.00 less 10 % = 1102.50 a month; onboarding 1500.00 once.
SEATS, ONBOARDING = demo_quote_accepted(datetime(2026, 1, 1, tzinfo=UTC)).lines
CURRENT = [SEATS, ONBOARDING]


def test_the_journeys_line_reprices_to_itself() -> None:
    assert price_line(SEATS, Decimal(25)) == SEATS


def test_upselling_to_30_seats_keeps_price_and_discount() -> None:
    lines = amend_lines(CURRENT, [LineChange("PLAT-SEAT", Decimal(30))], "EUR")
    # 30 × 49.00 = 1470.00; 10 % = 147.00; net 1323.00
    assert lines[0].net_amount == Money.of("1323.00", "EUR")
    assert lines[0].discount_amount == Money.of("147.00", "EUR")
    assert lines[1] == ONBOARDING


def test_downselling_to_7_seats_rounds_the_discount_half_up() -> None:
    lines = amend_lines(CURRENT, [LineChange("PLAT-SEAT", Decimal(7))], "EUR")
    # 7 × 49.00 = 343.00; 10 % = 34.30; net 308.70
    assert lines[0].net_amount == Money.of("308.70", "EUR")


def test_adding_a_product_appends_a_priced_line() -> None:
    sso = LineChange(
        "SSO",
        Decimal(1),
        description="Single sign-on",
        charge="recurring",
        billing_period="month",
        unit_price=Decimal("199.99"),
        discount_percent=Decimal("12.5"),
    )
    lines = amend_lines(CURRENT, [sso], "EUR")
    # 199.99 × 12.5 % = 24.99875 → 25.00; net 174.99
    assert [(line.line_no, line.product_code) for line in lines] == [
        (1, "PLAT-SEAT"),
        (2, "ONBOARD"),
        (3, "SSO"),
    ]
    assert lines[2].discount_amount == Money.of("25.00", "EUR")
    assert lines[2].net_amount == Money.of("174.99", "EUR")


def test_quantity_zero_removes_a_product() -> None:
    lines = amend_lines(CURRENT, [LineChange("ONBOARD", Decimal(0))], "EUR")
    assert [line.product_code for line in lines] == ["PLAT-SEAT"]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ([], "at least one line change"),
        ([LineChange("PLAT-SEAT", Decimal(-1))], "cannot be negative"),
        ([LineChange("PLAT-SEAT", Decimal(2)), LineChange("PLAT-SEAT", Decimal(3))], "only once"),
        ([LineChange("SSO", Decimal(0))], "has no SSO to remove"),
        ([LineChange("SSO", Decimal(1))], "give its description, charge and unit price"),
        ([LineChange("PLAT-SEAT", Decimal(25))], "changes nothing"),
        (
            [LineChange("PLAT-SEAT", Decimal(0)), LineChange("ONBOARD", Decimal(0))],
            "cannot remove every line",
        ),
    ],
)
def test_invalid_amendments_are_refused_with_the_reason(
    changes: list[LineChange], reason: str
) -> None:
    with pytest.raises(RuleViolation, match=reason):
        amend_lines(CURRENT, changes, "EUR")


def test_the_effective_date_lies_within_the_term_and_not_in_the_past() -> None:
    start, end = date(2026, 11, 27), date(2027, 11, 26)
    check_effective_date(date(2027, 3, 1), date(2027, 2, 1), start, end)
    with pytest.raises(RuleViolation, match="in the past"):
        check_effective_date(date(2027, 1, 31), date(2027, 2, 1), start, end)
    with pytest.raises(RuleViolation, match="outside the term"):
        check_effective_date(date(2027, 11, 27), date(2027, 2, 1), start, end)


@given(
    quantity=st.integers(min_value=0, max_value=100_000),
    unit_cents=st.integers(min_value=0, max_value=10_000_000),
    discount=st.decimals(min_value=0, max_value=100, places=2),
)
def test_a_repriced_line_never_discounts_below_zero_and_list_minus_discount_is_net(
    quantity: int, unit_cents: int, discount: Decimal
) -> None:
    template = SEATS.model_copy(
        update={
            "unit_price": Money.of(Decimal(unit_cents) / 100, "EUR"),
            "discount_percent": discount,
        }
    )
    line = price_line(template, Decimal(quantity))
    assert Decimal(0) <= line.discount_amount.amount <= line.list_amount.amount
    assert line.list_amount.amount - line.discount_amount.amount == line.net_amount.amount
    assert price_line(line, Decimal(quantity)) == line


@given(st.integers(min_value=1, max_value=400), st.integers(min_value=1, max_value=600))
def test_upselling_never_lowers_the_net_price(before: int, extra: int) -> None:
    smaller = price_line(SEATS, Decimal(before))
    larger = price_line(SEATS, Decimal(before + extra))
    assert larger.net_amount.amount >= smaller.net_amount.amount
