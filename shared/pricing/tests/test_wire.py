"""Prices on events: what the quote writes is what billing reads back."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from l2c_pricing import PriceSpec, Tier, spec_of_rate, usage_rate
from l2c_schemas.cpq import RateTier, UsageRate
from l2c_schemas.errors import RuleViolation
from l2c_schemas.money import Money

D = Decimal
TIERS = (Tier(D(100), D("0.0000")), Tier(D(1000), D("0.50"), D("5.00")), Tier(None, D("0.30")))


def on_the_wire(spec: PriceSpec) -> PriceSpec:
    rate = usage_rate(
        spec, "EUR", product_code="API", description="API calls", metric="calls", unit="call"
    )
    return spec_of_rate(UsageRate.model_validate_json(rate.model_dump_json()))


@pytest.mark.parametrize(
    "spec",
    [
        PriceSpec("flat", D("300.00")),
        PriceSpec("per_unit", D("0.0125"), flat_fee=D("10.00")),
        PriceSpec("graduated", tiers=TIERS),
        PriceSpec("volume", tiers=TIERS, flat_fee=D("1.00")),
        PriceSpec("package", D("5.00"), package_size=D(1000)),
    ],
)
def test_every_model_travels_on_an_event_unchanged(spec: PriceSpec) -> None:
    assert on_the_wire(spec) == spec


def test_a_rate_written_before_fees_and_packages_existed_reads_as_it_was_meant() -> None:
    old = UsageRate.model_validate(
        {
            "product_code": "API-CALLS",
            "description": "API calls",
            "metric": "api_calls",
            "unit": "1k calls",
            "pricing_model": "graduated",
            "tiers": [
                {"up_to": "100", "unit_price": {"amount": "0.00", "currency": "EUR"}},
                {"up_to": None, "unit_price": {"amount": "0.30", "currency": "EUR"}},
            ],
        }
    )
    assert old.aggregation == "sum"
    assert spec_of_rate(old) == PriceSpec(
        "graduated", tiers=(Tier(D(100), D("0.00")), Tier(None, D("0.30")))
    )


@pytest.mark.parametrize(
    ("model", "tiers", "reason"),
    [
        ("tiered", [RateTier(up_to=None, unit_price=Money.of(D(1), "EUR"))], "unknown pricing"),
        ("graduated", [RateTier(up_to="5", unit_price=Money.of(D(1), "EUR"))], "open-ended"),
        ("per_unit", [], "has no tiers"),
    ],
)
def test_a_rate_that_cannot_be_applied_is_refused_naming_the_product(
    model: str, tiers: list[RateTier], reason: str
) -> None:
    rate = UsageRate(
        product_code="API",
        description="API calls",
        metric="calls",
        unit="call",
        pricing_model=model,
        tiers=tiers,
    )
    with pytest.raises(RuleViolation, match=f"usage rate API.*{reason}"):
        spec_of_rate(rate)


@given(st.lists(st.integers(1, 10**6), min_size=1, max_size=5, unique=True))
def test_tier_bounds_travel_exactly(bounds: list[int]) -> None:
    tiers = tuple(Tier(D(b).scaleb(-2), D("0.0001")) for b in sorted(bounds))
    spec = PriceSpec("graduated", tiers=(*tiers, Tier(None, D("0.0002"))))
    assert on_the_wire(spec) == spec
