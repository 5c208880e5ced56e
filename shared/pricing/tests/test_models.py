"""Every pricing model and the rounding rules, with amounts computed by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from l2c_pricing import (
    PriceSpec,
    Tier,
    average_unit_price,
    list_price,
    price,
    price_change,
    unit_price_shown,
)
from l2c_schemas.errors import RuleViolation

D = Decimal
# 1–10 at 10.00, 11–50 at 8.00, 51 and more at 5.00
TIERS = (Tier(D(10), D("10.00")), Tier(D(50), D("8.00")), Tier(None, D("5.00")))
GRADUATED = PriceSpec("graduated", tiers=TIERS)
VOLUME = PriceSpec("volume", tiers=TIERS)
PACK_OF_10 = PriceSpec("package", D("400.00"), package_size=D(10))
# usage: 1–100 at 0.10, 101–1000 at 0.08, 1001 and more at 0.05
CALLS = (Tier(D(100), D("0.10")), Tier(D(1000), D("0.08")), Tier(None, D("0.05")))


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
        ("0", "0.00"),
        ("100", "10.00"),  # 100 × 0.10
        ("101", "10.08"),  # + 1 × 0.08
        ("1000", "82.00"),  # 10.00 + 900 × 0.08
        ("1001", "82.05"),  # + 1 × 0.05
        ("2500", "157.00"),  # 82.00 + 1500 × 0.05
    ],
)
def test_graduated_usage_rounded_on_its_line(quantity: str, expected: str) -> None:
    assert price(PriceSpec("graduated", tiers=CALLS), D(quantity), "EUR") == D(expected)


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ("100", "10.00"),  # 100 × 0.10
        ("101", "8.08"),  # 101 × 0.08: more units can cost less under volume pricing
        ("1000", "80.00"),
        ("1001", "50.05"),
    ],
)
def test_volume_usage_prices_every_unit_at_the_totals_tier(quantity: str, expected: str) -> None:
    assert price(PriceSpec("volume", tiers=CALLS), D(quantity), "EUR") == D(expected)


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [("0", "0.00"), ("1", "5.00"), ("1000", "5.00"), ("1001", "10.00"), ("2000", "10.00")],
)
def test_every_started_package_of_usage_is_charged_in_full(quantity: str, expected: str) -> None:
    spec = PriceSpec("package", D("5.00"), package_size=D(1000))
    assert price(spec, D(quantity), "EUR") == D(expected)


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


def test_a_tier_flat_fee_is_not_charged_before_its_tier_is_reached() -> None:
    spec = PriceSpec("graduated", tiers=(Tier(D(10), D(0)), Tier(None, D("1.00"), D("20.00"))))
    assert price(spec, D(10), "EUR") == D("0.00")
    assert price(spec, D(11), "EUR") == D("21.00")


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
    ("spec", "expected"),
    [
        (PriceSpec("flat", D("300.00"), flat_fee=D("25.00")), "325.00"),
        (PriceSpec("per_unit", D("0.30"), flat_fee=D("25.00")), "28.60"),  # 12 × 0.30 + 25
        (PriceSpec("graduated", tiers=TIERS, flat_fee=D("25.00")), "141.00"),  # 116 + 25
        (PriceSpec("volume", tiers=TIERS, flat_fee=D("25.00")), "121.00"),  # 96 + 25
        (PriceSpec("package", D("400.00"), package_size=D(10), flat_fee=D("25.00")), "825.00"),
    ],
)
def test_every_model_takes_a_flat_fee_once_with_its_first_unit(
    spec: PriceSpec, expected: str
) -> None:
    assert price(spec, D(12), "EUR") == D(expected)
    assert price(spec, D(0), "EUR") == D("0.00")


@pytest.mark.parametrize("model", ["flat", "per_unit", "graduated", "volume", "package"])
def test_no_units_cost_nothing(model: str) -> None:
    spec = PriceSpec(model, D(7), TIERS, D(10), D(3))  # type: ignore[arg-type]
    assert list_price(spec, D(0)) == 0


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
        (PriceSpec("per_unit", D(1), flat_fee=D(-1)), "flat fee must not be negative"),
        (PriceSpec("tiered", D(1)), "unknown pricing model"),  # type: ignore[arg-type]
    ],
)
def test_a_price_that_cannot_be_applied_is_refused(spec: PriceSpec, reason: str) -> None:
    with pytest.raises(RuleViolation, match=reason):
        list_price(spec, D(1))


def test_a_negative_quantity_is_refused() -> None:
    with pytest.raises(RuleViolation, match="must not be negative"):
        list_price(PriceSpec("per_unit", D(1)), D(-1))


def test_a_line_is_rounded_half_up_once_at_the_currencys_minor_unit() -> None:
    assert price(PriceSpec("per_unit", D("33.3333")), D(3), "EUR") == D("100.00")  # 99.9999
    assert price(PriceSpec("per_unit", D("0.0025")), D(2), "EUR") == D("0.01")  # 0.005
    assert price(PriceSpec("per_unit", D("0.5")), D(3), "JPY") == D("2")  # 1.5
    assert price(PriceSpec("per_unit", D("0.0005")), D(1), "KWD") == D("0.001")


def test_a_late_correction_is_the_difference_of_two_rounded_prices() -> None:
    spec = PriceSpec("graduated", tiers=CALLS)
    # 100 units cost 10.00, 101 cost 10.08: one more unit adds 0.08
    assert price_change(spec, D(100), D(101), "EUR") == D("0.08")


def test_the_unit_price_shown_is_the_average_half_up_to_four_decimals() -> None:
    assert average_unit_price(D("525.15"), D("1250.5")) == D("0.4200")  # 0.419952…
    assert average_unit_price(D("116.00"), D(12)) == D("9.6667")  # 9.66666…
    assert average_unit_price(D("0.00"), D(0)) == D("0.00")
    assert unit_price_shown(D("49.0000"), "EUR") == D("49.00")
    assert str(unit_price_shown(D("33.3333"), "EUR")) == "33.3333"
    assert str(unit_price_shown(D("0.1250"), "EUR")) == "0.125"
