"""One pricing library for quoting (cpq-svc) and billing (billing-svc): the pricing models
(flat, per unit, graduated, volume, package, each with an optional flat fee) and the rounding
rules. Pure: values in, values out; no I/O."""

from l2c_pricing.models import (
    PRICING_MODELS,
    TIERED_MODELS,
    PriceSpec,
    PricingModel,
    Tier,
    check_spec,
    graduated_parts,
    list_price,
    packages_of,
    tier_reached,
)
from l2c_pricing.rounding import average_unit_price, price, price_change, unit_price_shown
from l2c_pricing.wire import rate_tiers, spec_of_rate, usage_rate

__all__ = [
    "PRICING_MODELS",
    "TIERED_MODELS",
    "PriceSpec",
    "PricingModel",
    "Tier",
    "average_unit_price",
    "check_spec",
    "graduated_parts",
    "list_price",
    "packages_of",
    "price",
    "price_change",
    "rate_tiers",
    "spec_of_rate",
    "tier_reached",
    "unit_price_shown",
    "usage_rate",
]
