"""Laws every price obeys, checked on generated prices and quantities (hypothesis)."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from l2c_pricing import (
    PriceSpec,
    Tier,
    graduated_parts,
    list_price,
    packages_of,
    price,
    price_change,
)
from l2c_schemas.money import round_money

D = Decimal

bounds = st.lists(st.integers(1, 1000), min_size=0, max_size=4, unique=True).map(sorted)
prices = st.integers(0, 100_000).map(lambda n: D(n).scaleb(-4))
fees = st.integers(0, 10_000).map(lambda n: D(n).scaleb(-2))
quantities = st.integers(0, 5000).map(lambda n: D(n).scaleb(-1))
currencies = st.sampled_from(["EUR", "JPY", "KWD"])


@st.composite
def tiers(draw: st.DrawFn) -> tuple[Tier, ...]:
    limits: list[Decimal | None] = [D(u) for u in draw(bounds)]
    limits.append(None)
    return tuple(Tier(up, draw(prices), draw(fees)) for up in limits)


def per_unit(unit_price: Decimal) -> PriceSpec:
    return PriceSpec("per_unit", unit_price)


@given(tiers(), quantities)
def test_a_graduated_price_is_the_sum_of_its_tiers_each_priced_per_unit(
    tiered: tuple[Tier, ...], quantity: Decimal
) -> None:
    floors = [D(0), *(t.up_to for t in tiered[:-1])]
    expected = D(0)
    for floor, tier in zip(floors, tiered, strict=True):
        assert floor is not None
        ceiling = quantity if tier.up_to is None else min(quantity, tier.up_to)
        in_tier = max(D(0), ceiling - floor)
        if in_tier > 0:
            expected += list_price(per_unit(tier.unit_price), in_tier) + tier.flat_fee
    assert list_price(PriceSpec("graduated", tiers=tiered), quantity) == expected
    assert sum((units for _, units, _ in graduated_parts(tiered, quantity)), D(0)) == quantity


@given(tiers(), quantities)
def test_a_volume_price_is_every_unit_at_one_tiers_price(
    tiered: tuple[Tier, ...], quantity: Decimal
) -> None:
    volume = list_price(PriceSpec("volume", tiers=tiered), quantity)
    if quantity == 0:
        assert volume == 0
        return
    candidates = {list_price(per_unit(t.unit_price), quantity) + t.flat_fee for t in tiered}
    assert volume in candidates
    # the tier is the first whose bound holds the quantity
    reached = next(t for t in tiered if t.up_to is None or quantity <= t.up_to)
    assert volume == quantity * reached.unit_price + reached.flat_fee


@given(tiers(), quantities)
def test_graduated_and_volume_agree_on_one_tier_and_match_per_unit(
    tiered: tuple[Tier, ...], quantity: Decimal
) -> None:
    only = (Tier(None, tiered[0].unit_price),)
    expected = list_price(per_unit(only[0].unit_price), quantity)
    assert list_price(PriceSpec("graduated", tiers=only), quantity) == expected
    assert list_price(PriceSpec("volume", tiers=only), quantity) == expected


@given(tiers(), quantities, quantities)
def test_a_graduated_price_never_decreases_as_the_quantity_grows(
    tiered: tuple[Tier, ...], a: Decimal, b: Decimal
) -> None:
    low, high = sorted((a, b))
    spec = PriceSpec("graduated", tiers=tiered)
    assert list_price(spec, low) <= list_price(spec, high)


@given(st.integers(1, 50), st.integers(1, 500), fees)
def test_a_package_price_is_the_per_unit_price_of_the_packages_it_starts(
    size: int, quantity: int, package_price: Decimal
) -> None:
    spec = PriceSpec("package", package_price, package_size=D(size))
    full = -(-quantity // size) * size
    assert list_price(spec, D(quantity)) == list_price(spec, D(full))
    packages = packages_of(D(quantity), D(size))
    assert packages == -(-quantity // size)
    assert list_price(spec, D(quantity)) == list_price(per_unit(package_price), packages)


@given(tiers(), fees, quantities, currencies)
def test_a_flat_fee_adds_itself_once_to_any_positive_quantity(
    tiered: tuple[Tier, ...], fee: Decimal, quantity: Decimal, currency: str
) -> None:
    for model in ("graduated", "volume"):
        plain = PriceSpec(model, tiers=tiered)  # type: ignore[arg-type]
        with_fee = PriceSpec(model, tiers=tiered, flat_fee=fee)  # type: ignore[arg-type]
        extra = fee if quantity > 0 else D(0)
        assert list_price(with_fee, quantity) == list_price(plain, quantity) + extra


@given(tiers(), st.lists(quantities, min_size=1, max_size=6), currencies)
def test_corrections_add_up_to_the_rounded_price_of_the_whole_quantity(
    tiered: tuple[Tier, ...], increments: list[Decimal], currency: str
) -> None:
    """Usage invoiced in several goes (late events) costs what it would have cost at once."""
    spec = PriceSpec("graduated", tiers=tiered)
    running = [D(0)]
    for step in increments:
        running.append(running[-1] + step)
    charged = sum((price_change(spec, a, b, currency) for a, b in pairwise(running)), D(0))
    assert charged == price(spec, running[-1], currency)
    assert charged == round_money(list_price(spec, running[-1]), currency)
