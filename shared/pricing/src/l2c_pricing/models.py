"""The pricing models: what `quantity` units cost under a price, exactly (not rounded).

- flat: `amount` for any quantity;
- per_unit: quantity × `amount`;
- graduated: each unit at the price of the tier it falls in (like income tax);
- volume: every unit at the price of the one tier the whole quantity falls in;
- package: `amount` per started package of `package_size` units.

A tier may carry a flat fee, charged once when the quantity reaches the tier; any price may carry
a flat fee of its own (`PriceSpec.flat_fee`), charged once with the first unit. Zero units cost
nothing under every model: no flat price, no fee.

Worked example, tiers 1–10 at 10.00 and 11+ at 8.00: 12 units graduated cost 10 × 10.00 +
2 × 8.00 = 116.00; as volume, 12 × 8.00 = 96.00; with a flat fee of 5.00, 121.00 and 101.00.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from typing import Literal

from l2c_schemas.errors import RuleViolation

ZERO = Decimal(0)

PricingModel = Literal["flat", "per_unit", "graduated", "volume", "package"]
PRICING_MODELS: tuple[PricingModel, ...] = ("flat", "per_unit", "graduated", "volume", "package")
TIERED_MODELS: tuple[PricingModel, ...] = ("graduated", "volume")


@dataclass(frozen=True)
class Tier:
    """Units up to and including `up_to` (None: no upper bound) cost `unit_price` each, plus
    `flat_fee` once when the quantity reaches the tier."""

    up_to: Decimal | None
    unit_price: Decimal
    flat_fee: Decimal = ZERO


@dataclass(frozen=True)
class PriceSpec:
    """One price: its model, the `amount` of the flat, per-unit and package models (the
    package's price), the tiers of the graduated and volume models, the package's size, and an
    optional flat fee charged once with the first unit."""

    model: PricingModel
    amount: Decimal = ZERO
    tiers: tuple[Tier, ...] = ()
    package_size: Decimal = Decimal(1)
    flat_fee: Decimal = ZERO


def check_spec(spec: PriceSpec) -> None:
    """Refuse a price that cannot be applied (RuleViolation with the reason): an unknown model,
    negative prices or fees, tiers out of order, a last tier with an upper bound, a package of
    no units."""
    if spec.model not in PRICING_MODELS:
        raise RuleViolation(f"unknown pricing model {spec.model!r}")
    if spec.amount < 0:
        raise RuleViolation(f"a {spec.model} price must not be negative, not {spec.amount}")
    if spec.flat_fee < 0:
        raise RuleViolation(f"a flat fee must not be negative, not {spec.flat_fee}")
    if spec.model in TIERED_MODELS:
        if not spec.tiers:
            raise RuleViolation(f"a {spec.model} price needs at least one tier")
        bounds = [tier.up_to for tier in spec.tiers]
        if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
            raise RuleViolation("only the last tier may (and must) be open-ended")
        closed = [b for b in bounds if b is not None]
        if any(b <= a for a, b in zip([ZERO, *closed], closed, strict=False)):
            raise RuleViolation("tier upper bounds must be positive and increasing")
        if any(t.unit_price < 0 or t.flat_fee < 0 for t in spec.tiers):
            raise RuleViolation("tier prices must not be negative")
    if spec.model == "package" and spec.package_size <= 0:
        raise RuleViolation(
            f"a package must hold a positive number of units, not {spec.package_size}"
        )


def list_price(spec: PriceSpec, quantity: Decimal) -> Decimal:
    """The exact price of `quantity` units (0 for none); a negative quantity or a price that
    cannot be applied is refused. Round it with `rounding.price` before it goes on a line."""
    if quantity < 0:
        raise RuleViolation(f"quantity must not be negative, not {quantity}")
    check_spec(spec)
    if quantity == 0:
        return ZERO
    return _model_price(spec, quantity) + spec.flat_fee


def _model_price(spec: PriceSpec, quantity: Decimal) -> Decimal:
    if spec.model == "flat":
        return spec.amount
    if spec.model == "per_unit":
        return quantity * spec.amount
    if spec.model == "package":
        return packages_of(quantity, spec.package_size) * spec.amount
    if spec.model == "volume":
        tier = tier_reached(spec.tiers, quantity)
        return quantity * tier.unit_price + tier.flat_fee
    return sum((amount for _, _, amount in graduated_parts(spec.tiers, quantity)), ZERO)


def packages_of(quantity: Decimal, package_size: Decimal) -> Decimal:
    """How many packages `quantity` units start: every started package counts in full."""
    return (quantity / package_size).to_integral_value(rounding=ROUND_CEILING)


def tier_reached(tiers: tuple[Tier, ...], quantity: Decimal) -> Tier:
    """The tier a whole quantity falls in (the volume model's tier)."""
    return next(t for t in tiers if t.up_to is None or quantity <= t.up_to)


def graduated_parts(
    tiers: tuple[Tier, ...], quantity: Decimal
) -> list[tuple[Tier, Decimal, Decimal]]:
    """The graduated model tier by tier: (tier, units in it, their price with the tier's fee)
    for each tier the quantity reaches. E.g. tiers 1–10 at 10.00 and 11+ at 8.00 split 12
    units into 10 units for 100.00 and 2 for 16.00."""
    parts, floor = [], ZERO
    for tier in tiers:
        if quantity <= floor:
            break
        ceiling = quantity if tier.up_to is None else min(quantity, tier.up_to)
        units = ceiling - floor
        parts.append((tier, units, units * tier.unit_price + tier.flat_fee))
        if tier.up_to is None:
            break
        floor = tier.up_to
    return parts
