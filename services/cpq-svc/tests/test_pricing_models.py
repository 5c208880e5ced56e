"""Pricing models and the discount waterfall, with amounts computed by hand."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpq_svc.domain.pricing import (
    Discount,
    PriceSpec,
    TermDiscount,
    Tier,
    combined_percent,
    effective_percent,
    list_price,
    price_waterfall,
    term_discounts_for,
    volume_discount_percent,
)
from l2c_runtime.errors import RuleViolation

D = Decimal
# 1–10 at 10.00, 11–50 at 8.00, 51 and more at 5.00
TIERS = (Tier(D(10), D("10.00")), Tier(D(50), D("8.00")), Tier(None, D("5.00")))
GRADUATED = PriceSpec("graduated", tiers=TIERS)
VOLUME = PriceSpec("volume", tiers=TIERS)
PACK_OF_10 = PriceSpec("package", D("400.00"), package_size=D(10))


def test_a_flat_price_is_the_same_for_any_quantity() -> None:
    assert list_price(PriceSpec("flat", D("300.00")), D(1)) == D("300.00")
    assert list_price(PriceSpec("flat", D("300.00")), D(7)) == D("300.00")


def test_a_per_unit_price_multiplies_by_the_quantity() -> None:
    assert list_price(PriceSpec("per_unit", D("49.00")), D(25)) == D("1225.00")


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("0.5", "5.00"),
        ("9", "90.00"),
        ("10", "100.00"),  # exactly at the first edge: all at 10.00
        ("11", "108.00"),  # 10 × 10.00 + 1 × 8.00
        ("49", "412.00"),  # 100 + 39 × 8.00
        ("50", "420.00"),  # 100 + 40 × 8.00
        ("51", "425.00"),  # 420 + 1 × 5.00
        ("100", "670.00"),  # 420 + 50 × 5.00
    ],
)
def test_graduated_tiers_price_each_unit_at_the_tier_it_falls_in(
    quantity: str, expected: str
) -> None:
    assert list_price(GRADUATED, D(quantity)) == D(expected)


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("9", "90.00"),
        ("10", "100.00"),  # at the edge: still the first tier
        ("11", "88.00"),  # every unit at 8.00: more units can cost less
        ("50", "400.00"),
        ("51", "255.00"),  # every unit at 5.00
    ],
)
def test_volume_tiers_price_every_unit_at_the_tier_the_quantity_reaches(
    quantity: str, expected: str
) -> None:
    assert list_price(VOLUME, D(quantity)) == D(expected)


def test_a_graduated_tier_flat_fee_is_charged_once_the_quantity_enters_the_tier() -> None:
    spec = PriceSpec("graduated", tiers=(Tier(D(10), D(0), D("50.00")), Tier(None, D("4.00"))))
    assert list_price(spec, D(5)) == D("50.00")
    assert list_price(spec, D(12)) == D("58.00")  # 50.00 + 2 × 4.00


def test_a_volume_tier_flat_fee_comes_with_the_tier_reached() -> None:
    spec = PriceSpec("volume", tiers=(Tier(D(10), D("5.00")), Tier(None, D("4.00"), D("20.00"))))
    assert list_price(spec, D(10)) == D("50.00")
    assert list_price(spec, D(11)) == D("64.00")  # 11 × 4.00 + 20.00


@pytest.mark.parametrize(
    ("quantity", "packages"),
    [("0.5", 1), ("1", 1), ("10", 1), ("11", 2), ("20", 2), ("21", 3)],
)
def test_a_package_price_charges_every_started_package(quantity: str, packages: int) -> None:
    assert list_price(PACK_OF_10, D(quantity)) == packages * D("400.00")


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (PriceSpec("graduated"), "at least one tier"),
        (PriceSpec("volume", tiers=(Tier(D(10), D(1)),)), "open-ended"),
        (
            PriceSpec("volume", tiers=(Tier(D(10), D(1)), Tier(D(5), D(1)), Tier(None, D(1)))),
            "increasing",
        ),
        (PriceSpec("graduated", tiers=(Tier(None, D(-1)),)), "must not be negative"),
        (PriceSpec("package", D(1), package_size=D(0)), "positive number of units"),
        (PriceSpec("per_unit", D(-1)), "must not be negative"),
    ],
)
def test_a_price_that_cannot_be_applied_is_refused(spec: PriceSpec, reason: str) -> None:
    with pytest.raises(RuleViolation, match=reason):
        list_price(spec, D(1))


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


@given(tiered(), quantities, quantities)
def test_a_graduated_price_never_decreases_as_the_quantity_grows(
    tiers: tuple[Tier, ...], a: Decimal, b: Decimal
) -> None:
    low, high = sorted((a, b))
    spec = PriceSpec("graduated", tiers=tiers)
    assert list_price(spec, low) <= list_price(spec, high)


@given(st.integers(1, 50), st.integers(1, 500))
def test_a_package_price_equals_the_price_of_the_full_packages_it_rounds_up_to(
    size: int, quantity: int
) -> None:
    spec = PriceSpec("package", D("12.50"), package_size=D(size))
    full = -(-quantity // size) * size
    assert list_price(spec, D(quantity)) == list_price(spec, D(full))


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
