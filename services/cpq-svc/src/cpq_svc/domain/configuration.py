"""What may be sold together: bundles and their components, and configuration rules
(requires, excludes, minimum and maximum quantity) checked before anything is priced."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from l2c_schemas.errors import RuleViolation

RuleKind = Literal["requires", "excludes", "quantity"]


@dataclass(frozen=True)
class BundleComponent:
    product_code: str
    quantity: Decimal
    """Units of the component in one unit of the bundle."""
    required: bool = True


@dataclass(frozen=True)
class ConfigurationRule:
    """A named rule of the catalog:
    - requires: quoting `product_code` needs `other_code` on the quote too;
    - excludes: `product_code` and `other_code` cannot be on one quote;
    - quantity: the quote's total quantity of `product_code` lies in [min_quantity, max_quantity].
    """

    name: str
    kind: RuleKind
    product_code: str
    other_code: str | None = None
    min_quantity: Decimal | None = None
    max_quantity: Decimal | None = None


@dataclass(frozen=True)
class ConfiguredLine:
    """A line after bundles are expanded: a product, its quantity and the bundle it came from."""

    product_code: str
    quantity: Decimal
    bundle_code: str | None = None


class ConfigurationRejected(RuleViolation):
    """A configuration broke a rule; `rule` names it."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(f"configuration rule {rule!r} failed: {reason}")
        self.rule = rule


def expand_bundle(
    bundle_code: str,
    quantity: Decimal,
    components: Sequence[BundleComponent],
    options: Iterable[str] = (),
) -> list[ConfiguredLine]:
    """The lines of `quantity` bundles: every required component, and the optional components
    chosen in `options`, each at its per-bundle quantity × `quantity`. An option that is not an
    optional component of the bundle is refused."""
    if quantity <= 0:
        raise RuleViolation(f"quantity must be positive, not {quantity}")
    chosen = set(options)
    optional = {c.product_code for c in components if not c.required}
    unknown = sorted(chosen - optional)
    if unknown:
        raise RuleViolation(
            f"bundle {bundle_code} has no optional component {', '.join(unknown)}; "
            f"its options are {', '.join(sorted(optional)) or 'none'}"
        )
    return [
        ConfiguredLine(c.product_code, c.quantity * quantity, bundle_code)
        for c in components
        if c.required or c.product_code in chosen
    ]


def quantities_by_product(lines: Iterable[ConfiguredLine]) -> dict[str, Decimal]:
    """Total quantity of each product over all lines (bundled or not)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        totals[line.product_code] += line.quantity
    return dict(totals)


def check_configuration(
    quantities: Mapping[str, Decimal], rules: Iterable[ConfigurationRule]
) -> None:
    """Refuse the first rule (in name order) the configuration breaks, naming it."""
    for rule in sorted(rules, key=lambda r: r.name):
        if rule.product_code not in quantities:
            continue
        if rule.kind == "requires" and rule.other_code not in quantities:
            raise ConfigurationRejected(
                rule.name, f"{rule.product_code} requires {rule.other_code} on the same quote"
            )
        if rule.kind == "excludes" and rule.other_code in quantities:
            raise ConfigurationRejected(
                rule.name, f"{rule.product_code} cannot be quoted together with {rule.other_code}"
            )
        if rule.kind == "quantity":
            quantity = quantities[rule.product_code]
            if rule.min_quantity is not None and quantity < rule.min_quantity:
                raise ConfigurationRejected(
                    rule.name,
                    f"{rule.product_code} needs at least {rule.min_quantity}, not {quantity}",
                )
            if rule.max_quantity is not None and quantity > rule.max_quantity:
                raise ConfigurationRejected(
                    rule.name,
                    f"{rule.product_code} allows at most {rule.max_quantity}, not {quantity}",
                )
