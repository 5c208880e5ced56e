"""Quote pricing, with amounts computed by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpq_svc.domain.pricing import Totals, total_lines
from cpq_svc.domain.pricing import price_line as price_per_unit
from l2c_runtime.errors import RuleViolation

D = Decimal


def amounts(list_amount: str, discount: str, net: str) -> tuple[Decimal, Decimal, Decimal]:
    return D(list_amount), D(discount), D(net)


def price_line(
    quantity: Decimal, unit_price: Decimal, percent: Decimal, currency: str
) -> tuple[Decimal, Decimal, Decimal]:
    line = price_per_unit(quantity, unit_price, percent, currency)
    return line.list_amount, line.discount_amount, line.net_amount


def test_25_seats_at_49_euros_with_10_percent_off() -> None:
    assert price_line(D(25), D("49.00"), D(10), "EUR") == amounts("1225.00", "122.50", "1102.50")


def test_the_list_amount_is_rounded_before_the_discount_is_taken() -> None:
    # 3 × 33.3333 = 99.9999 → 100.00; 12.5 % of 100.00 = 12.50 exactly.
    assert price_line(D(3), D("33.3333"), D("12.5"), "EUR") == amounts("100.00", "12.50", "87.50")


def test_the_discount_is_rounded_half_up() -> None:
    # 12.5 % of 99.99 = 12.49875 → 12.50
    assert price_line(D(1), D("99.99"), D("12.5"), "EUR") == amounts("99.99", "12.50", "87.49")
    # 0.5 % of 1.00 = 0.005 → 0.01 (banker's rounding would give 0.00)
    assert price_line(D(1), D("1.00"), D("0.5"), "EUR") == amounts("1.00", "0.01", "0.99")


def test_a_half_cent_list_amount_rounds_up() -> None:
    assert price_line(D(1), D("0.125"), D(0), "EUR") == amounts("0.13", "0.00", "0.13")


def test_amounts_round_at_the_currency_minor_unit() -> None:
    assert price_line(D(3), D("333.3333"), D("12.5"), "JPY") == amounts("1000", "125", "875")
    assert price_line(D(3), D("33.3333"), D("12.5"), "KWD") == amounts(
        "100.000", "12.500", "87.500"
    )


def test_fractional_quantities_are_priced_exactly() -> None:
    assert price_line(D("2.5"), D("199.00"), D(0), "EUR") == amounts("497.50", "0.00", "497.50")


def test_a_full_discount_makes_the_line_free() -> None:
    assert price_line(D(1), D("1500.00"), D(100), "EUR") == amounts("1500.00", "1500.00", "0.00")


@pytest.mark.parametrize("percent", ["-0.01", "100.01", "150"])
def test_a_discount_outside_0_to_100_percent_is_refused(percent: str) -> None:
    with pytest.raises(RuleViolation, match="between 0 and 100"):
        price_line(D(1), D("49.00"), D(percent), "EUR")


@pytest.mark.parametrize("quantity", ["0", "-1"])
def test_a_line_needs_a_positive_quantity(quantity: str) -> None:
    with pytest.raises(RuleViolation, match="quantity must be positive"):
        price_line(D(quantity), D("49.00"), D(0), "EUR")


def test_totals_are_sums_of_the_rounded_lines() -> None:
    # Each 0.125 line rounds to 0.13, so the total is 0.26, not round(0.25) = 0.25.
    line = price_per_unit(D(1), D("0.125"), D(0), "EUR")
    assert total_lines([line, line], "EUR") == Totals(D("0.26"), D("0.00"), D("0.26"))


def test_totals_of_a_typical_quote() -> None:
    lines = [
        price_per_unit(D(25), D("49.00"), D(10), "EUR"),  # 1225.00 / 122.50 / 1102.50
        price_per_unit(D(1), D("1500.00"), D(0), "EUR"),  # 1500.00 /   0.00 / 1500.00
        price_per_unit(D(3), D("33.3333"), D("12.5"), "EUR"),  # 100.00 / 12.50 / 87.50
    ]
    assert total_lines(lines, "EUR") == Totals(D("2825.00"), D("135.00"), D("2690.00"))


def test_totals_of_no_lines_are_zero_in_the_currency_precision() -> None:
    assert str(total_lines([], "EUR").net_total) == "0.00"


quantities = st.integers(1, 1_000_000).map(lambda n: D(n).scaleb(-2))
unit_prices = st.integers(0, 10**9).map(lambda n: D(n).scaleb(-4))
percents = st.integers(0, 10_000).map(lambda n: D(n).scaleb(-2))
lines = st.lists(st.tuples(quantities, unit_prices, percents), max_size=20)


@given(lines, st.sampled_from(["EUR", "USD", "JPY", "KWD"]))
def test_net_total_is_the_sum_of_line_nets_and_discounts_never_exceed_list(
    requested: list[tuple[Decimal, Decimal, Decimal]], currency: str
) -> None:
    priced = [price_per_unit(q, p, pct, currency) for q, p, pct in requested]
    totals = total_lines(priced, currency)
    assert totals.net_total == sum((line.net_amount for line in priced), D(0))
    assert totals.net_total == totals.list_total - totals.discount_total
    assert D(0) <= totals.discount_total <= totals.list_total
    for line in priced:
        assert D(0) <= line.discount_amount <= line.list_amount
        assert line.net_amount == line.list_amount - line.discount_amount
