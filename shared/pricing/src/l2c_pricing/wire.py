"""Prices as they travel on events (`l2c_schemas.cpq.UsageRate`): the quote writes them, the
contract and the order carry them, billing reads them back, so what is rated is what was
quoted, to the last tier and fee."""

from __future__ import annotations

from decimal import Decimal

from l2c_pricing.models import TIERED_MODELS, ZERO, PriceSpec, PricingModel, Tier, check_spec
from l2c_schemas.cpq import RateTier, UsageAggregation, UsageRate
from l2c_schemas.errors import RuleViolation
from l2c_schemas.money import Money


def rate_tiers(spec: PriceSpec, currency: str) -> list[RateTier]:
    """The tiers of a usage rate: a graduated or volume price's own, else one open-ended tier
    holding the model's amount."""
    if spec.model in TIERED_MODELS:
        return [
            RateTier(
                up_to=t.up_to,
                unit_price=Money(amount=t.unit_price, currency=currency),
                flat_fee=Money(amount=t.flat_fee, currency=currency) if t.flat_fee else None,
            )
            for t in spec.tiers
        ]
    return [RateTier(up_to=None, unit_price=Money(amount=spec.amount, currency=currency))]


def usage_rate(
    spec: PriceSpec,
    currency: str,
    *,
    product_code: str,
    description: str,
    metric: str,
    unit: str,
    billing_period: str = "month",
    aggregation: UsageAggregation = "sum",
) -> UsageRate:
    """A usage price as it goes on QuoteAccepted, the contract and the order."""
    return UsageRate(
        product_code=product_code,
        description=description,
        metric=metric,
        unit=unit,
        pricing_model=spec.model,
        tiers=rate_tiers(spec, currency),
        billing_period=billing_period,  # type: ignore[arg-type]
        package_size=spec.package_size if spec.model == "package" else None,
        flat_fee=Money(amount=spec.flat_fee, currency=currency) if spec.flat_fee else None,
        aggregation=aggregation,
    )


def spec_of_rate(rate: UsageRate) -> PriceSpec:
    """The price a usage rate carries; one that cannot be applied (an unknown model, tiers out
    of order, no tiers) is refused with the reason (RuleViolation)."""
    if not rate.tiers:
        raise RuleViolation(f"usage rate {rate.product_code} has no tiers")
    model: PricingModel = rate.pricing_model  # type: ignore[assignment]
    if model in TIERED_MODELS:
        spec = PriceSpec(
            model,
            tiers=tuple(
                Tier(
                    None if t.up_to is None else Decimal(t.up_to),
                    t.unit_price.amount,
                    t.flat_fee.amount if t.flat_fee else ZERO,
                )
                for t in rate.tiers
            ),
            flat_fee=_fee(rate),
        )
    else:
        spec = PriceSpec(
            model,
            rate.tiers[0].unit_price.amount,
            package_size=Decimal(1) if rate.package_size is None else Decimal(rate.package_size),
            flat_fee=_fee(rate),
        )
    try:
        check_spec(spec)
    except RuleViolation as exc:
        raise RuleViolation(f"usage rate {rate.product_code}: {exc}") from exc
    return spec


def _fee(rate: UsageRate) -> Decimal:
    return rate.flat_fee.amount if rate.flat_fee else ZERO
