"""The discount waterfall and the discount policy, with amounts computed by hand (the pricing
models themselves are l2c_pricing's, tested in shared/pricing)."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpq_svc.domain.pricing import (
    Discount,
    TermDiscount,
    combined_percent,
    effective_percent,
    price_waterfall,
    term_discounts_for,
    volume_discount_percent,
)
from l2c_pricing import PriceSpec, Tier
from l2c_runtime.errors import RuleViolation

D = Decimal


def test_the_waterfall_takes_each_discount_off_the_price_left_by_the_steps_before() -> None:
    # 120 seats at 49.00 = 5880.00; 5 % volume → 294.00 (5586.00); 8 % prepay → 446.88
    # (5139.12); 30 % line discount → 1541.736 → 1541.74 (3597.38).
    line = price_waterfall(
        PriceSpec("per_unit", D("49.00")),
        D(120),
        [
            Discount("volume discount", D(5)),
            Discount("annual prepay", D(8)),
            Discount("line discount", D(30), discretionary=True),
            Discount("quote discount", D(0), discretionary=True),
        ],
        "EUR",
    )
    assert [(s.step, s.amount, s.price_after) for s in line.steps] == [
        ("volume discount", D("294.00"), D("5586.00")),
        ("annual prepay", D("446.88"), D("5139.12")),
        ("line discount", D("1541.74"), D("3597.38")),
    ]
    assert (line.list_amount, line.discount_amount, line.net_amount) == (
        D("5880.00"),
        D("2282.62"),
        D("3597.38"),
    )
    assert effective_percent(line) == D("38.82")  # 2282.62 / 5880.00


def test_each_waterfall_step_is_rounded_half_up_on_its_own() -> None:
    # 10.10 less 5 % = 0.505 → 0.51 (9.59); less 5 % = 0.4795 → 0.48 (9.11)
    line = price_waterfall(
        PriceSpec("flat", D("10.10")), D(1), [Discount("a", D(5)), Discount("b", D(5))], "EUR"
    )
    assert [s.amount for s in line.steps] == [D("0.51"), D("0.48")]
    assert line.net_amount == D("9.11")


def test_a_waterfall_step_above_100_percent_is_refused_naming_the_step() -> None:
    with pytest.raises(RuleViolation, match="quote discount must be between 0 and 100"):
        price_waterfall(PriceSpec("flat", D(1)), D(1), [Discount("quote discount", D(101))], "EUR")


@pytest.mark.parametrize(
    ("quantity", "percent"),
    [("99", "0"), ("100", "5"), ("499", "5"), ("500", "10"), ("1000", "15"), ("5000", "15")],
)
def test_a_volume_discount_schedule_gives_the_slab_the_quantity_reaches(
    quantity: str, percent: str
) -> None:
    schedule = [(D(100), D(5)), (D(500), D(10)), (D(1000), D(15))]
    assert volume_discount_percent(schedule, D(quantity)) == D(percent)


TERMS = [
    TermDiscount("annual prepay", D(8), billing_period="year"),
    TermDiscount("quarterly prepay", D(2), billing_period="quarter"),
    TermDiscount("two-year term", D(3), min_term_months=24),
    TermDiscount("three-year term", D(5), min_term_months=36),
]


@pytest.mark.parametrize(
    ("period", "months", "expected"),
    [
        ("month", 12, []),
        ("month", 23, []),
        ("year", 12, [("annual prepay", "8")]),
        ("quarter", 12, [("quarterly prepay", "2")]),
        ("month", 24, [("two-year term", "3")]),
        ("year", 36, [("annual prepay", "8"), ("three-year term", "5")]),
    ],
)
def test_term_discounts_reward_prepaying_and_the_longest_term_reached(
    period: str, months: int, expected: list[tuple[str, str]]
) -> None:
    found = term_discounts_for(TERMS, period, months)
    assert [(d.step, d.percent) for d in found] == [(s, D(p)) for s, p in expected]


def test_successive_discounts_combine_multiplicatively() -> None:
    assert combined_percent([D(10), D(10)]) == D(19)
    assert combined_percent([]) == D(0)


bounds = st.lists(st.integers(1, 1000), min_size=0, max_size=4, unique=True).map(sorted)
prices = st.integers(0, 100_000).map(lambda n: D(n).scaleb(-2))


@st.composite
def tiered(draw: st.DrawFn) -> tuple[Tier, ...]:
    ups = draw(bounds)
    limits: list[Decimal | None] = [D(u) for u in ups]
    limits.append(None)
    return tuple(Tier(up, draw(prices), draw(prices)) for up in limits)


quantities = st.integers(1, 5000).map(lambda n: D(n).scaleb(-1))
percent_steps = st.lists(st.integers(0, 10_000).map(lambda n: D(n).scaleb(-2)), max_size=5)


@given(tiered(), quantities, percent_steps, st.sampled_from(["EUR", "JPY", "KWD"]))
def test_the_waterfall_steps_add_up_from_list_to_net_and_never_go_below_zero(
    tiers: tuple[Tier, ...], quantity: Decimal, percents: list[Decimal], currency: str
) -> None:
    line = price_waterfall(
        PriceSpec("graduated", tiers=tiers),
        quantity,
        [Discount(f"step {n}", p) for n, p in enumerate(percents)],
        currency,
    )
    assert line.list_amount - sum((s.amount for s in line.steps), D(0)) == line.net_amount
    assert line.discount_amount == line.list_amount - line.net_amount
    prices = [line.list_amount, *(s.price_after for s in line.steps)]
    assert all(a >= b >= 0 for a, b in pairwise(prices))


def test_a_line_of_no_units_is_refused() -> None:
    with pytest.raises(RuleViolation, match="quantity must be positive"):
        price_waterfall(PriceSpec("per_unit", D(1)), D(0), [], "EUR")
