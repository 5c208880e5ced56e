"""Configure and price a whole quote: expand bundles, check the configuration rules, then
price each line with its waterfall (volume schedule → term → line discount → quote discount)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from cpq_svc.domain.configuration import (
    BundleComponent,
    ConfigurationRule,
    ConfiguredLine,
    check_configuration,
    expand_bundle,
    quantities_by_product,
)
from cpq_svc.domain.pricing import (
    ZERO,
    Discount,
    LineAmounts,
    TermDiscount,
    Totals,
    combined_percent,
    price_waterfall,
    term_discounts_for,
    total_lines,
    volume_discount_percent,
)
from l2c_pricing import PriceSpec
from l2c_schemas.errors import RuleViolation


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    kind: str
    """plan, add_on, one_time, usage or bundle."""
    charge: str
    billing_period: str | None = None
    unit: str | None = None
    usage_metric: str | None = None


@dataclass(frozen=True)
class Catalog:
    """What pricing needs from the catalog and one price book, on one day, in one currency."""

    products: Mapping[str, Product]
    prices: Mapping[str, PriceSpec]
    bundles: Mapping[str, Sequence[BundleComponent]] = field(default_factory=dict)
    rules: Sequence[ConfigurationRule] = ()
    volume_schedules: Mapping[str, Sequence[tuple[Decimal, Decimal]]] = field(default_factory=dict)
    term_discounts: Sequence[TermDiscount] = ()
    price_book: str = "standard"


@dataclass(frozen=True)
class RequestedLine:
    product_code: str
    quantity: Decimal
    discount_percent: Decimal = ZERO
    options: tuple[str, ...] = ()
    """For a bundle: the optional components chosen."""


@dataclass(frozen=True)
class QuoteTerms:
    currency: str
    billing_period: str = "month"
    term_months: int = 12
    quote_discount_percent: Decimal = ZERO


@dataclass(frozen=True)
class QuotedLine:
    line_no: int
    product: Product
    quantity: Decimal
    price: PriceSpec
    amounts: LineAmounts
    discretionary_percent: Decimal
    """The salesperson's line and quote discounts combined."""
    bundle_code: str | None = None


@dataclass(frozen=True)
class QuotedUsage:
    product: Product
    price: PriceSpec


@dataclass(frozen=True)
class PricedQuote:
    lines: list[QuotedLine]
    usage: list[QuotedUsage]
    totals: Totals

    @property
    def discretionary_percent(self) -> Decimal:
        """The highest discretionary discount on any line: what approvals judge."""
        return max((line.discretionary_percent for line in self.lines), default=ZERO)


def price_quote(
    requested: Sequence[RequestedLine], catalog: Catalog, terms: QuoteTerms, on: str = "today"
) -> PricedQuote:
    """Configure and price a quote. Unknown products, options of a non-bundle, broken
    configuration rules and products without a price are refused with the reason."""
    if not requested:
        raise RuleViolation("a quote needs at least one line")
    if not ZERO <= terms.quote_discount_percent <= 100:
        raise RuleViolation(
            f"quote discount must be between 0 and 100 percent, not {terms.quote_discount_percent}"
        )
    configured: list[tuple[ConfiguredLine, Decimal]] = []
    for request in requested:
        product = catalog.products.get(request.product_code)
        if product is None:
            raise RuleViolation(f"unknown product {request.product_code}")
        if product.kind == "bundle":
            lines = expand_bundle(
                product.code,
                request.quantity,
                catalog.bundles.get(product.code, ()),
                request.options,
            )
        elif request.options:
            raise RuleViolation(f"{product.code} is not a bundle and has no options")
        else:
            lines = [ConfiguredLine(product.code, request.quantity)]
        configured += [(line, request.discount_percent) for line in lines]
    for line, _ in configured:
        if line.product_code not in catalog.products:
            raise RuleViolation(f"unknown product {line.product_code}")
    quantities = quantities_by_product(line for line, _ in configured)
    check_configuration(quantities, catalog.rules)

    priced: list[QuotedLine] = []
    usage: dict[str, QuotedUsage] = {}
    for line, line_discount in configured:
        product = catalog.products[line.product_code]
        price = catalog.prices.get(product.code)
        if price is None:
            raise RuleViolation(
                f"product {product.code} has no {terms.currency} price in the "
                f"{catalog.price_book} price book on {on}"
            )
        if product.kind == "usage":
            usage[product.code] = QuotedUsage(product, price)
            continue
        line_no = len(priced) + 1
        discounts = _discounts(product, quantities, catalog, terms, line_discount)
        try:
            amounts = price_waterfall(price, line.quantity, discounts, terms.currency)
        except RuleViolation as exc:
            raise RuleViolation(f"line {line_no} ({product.code}): {exc}") from exc
        discretionary = combined_percent(d.percent for d in discounts if d.discretionary)
        priced.append(
            QuotedLine(
                line_no, product, line.quantity, price, amounts, discretionary, line.bundle_code
            )
        )
    return PricedQuote(
        priced, list(usage.values()), total_lines((p.amounts for p in priced), terms.currency)
    )


def _discounts(
    product: Product,
    quantities: Mapping[str, Decimal],
    catalog: Catalog,
    terms: QuoteTerms,
    line_discount: Decimal,
) -> list[Discount]:
    schedule = catalog.volume_schedules.get(product.code, ())
    discounts = [
        Discount("volume discount", volume_discount_percent(schedule, quantities[product.code]))
    ]
    if product.charge == "recurring":
        discounts += term_discounts_for(
            catalog.term_discounts, terms.billing_period, terms.term_months
        )
    discounts.append(Discount("line discount", line_discount, discretionary=True))
    discounts.append(Discount("quote discount", terms.quote_discount_percent, discretionary=True))
    return discounts
