"""cpq-svc's HTTP API for the catalog, the pricing policy and quoting metrics."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from cpq_svc.adapters.catalog import load_catalog, price_book_named
from cpq_svc.adapters.quote_queries import quote_metric_totals
from l2c_pricing import PriceSpec, rate_tiers, unit_price_shown
from l2c_runtime.auth import require
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas import DecimalStr, Money
from l2c_schemas.cpq import RateTier

router = APIRouter()
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class PriceView(BaseModel):
    model: str
    amount: Money | None
    """Per unit, flat or per package; None for tiered models."""
    tiers: list[RateTier] = []
    package_size: DecimalStr | None = None


class ComponentView(BaseModel):
    product_code: str
    quantity: DecimalStr
    required: bool


class ProductView(BaseModel):
    code: str
    name: str
    kind: str
    """plan, add_on, one_time, usage or bundle."""
    charge: str
    billing_period: str | None
    unit: str | None = None
    usage_metric: str | None = None
    unit_price: Money | None
    """The per-unit price when the product is priced per unit; None otherwise."""
    price: PriceView | None
    """None when the price book has no price for it in this currency (and for bundles)."""
    components: list[ComponentView] = []


class CatalogView(BaseModel):
    price_book: str
    currency: str
    effective_on: date
    products: list[ProductView]


class RuleView(BaseModel):
    name: str
    kind: str
    product_code: str
    other_code: str | None
    min_quantity: DecimalStr | None
    max_quantity: DecimalStr | None


class PolicyView(BaseModel):
    configuration_rules: list[RuleView]
    volume_discounts: dict[str, list[tuple[DecimalStr, DecimalStr]]]
    """Per product: (minimum quantity, percent) slabs."""
    term_discounts: list[dict[str, str | int | None]]
    approval_thresholds: list[dict[str, str | int]]


class QuoteMetricsView(BaseModel):
    quotes: int
    generation_ms_avg: DecimalStr | None
    generation_ms_max: DecimalStr | None
    revisions_per_opportunity: DecimalStr | None
    """Average number of versions per quoted opportunity, minus one."""
    above_policy: int
    """Quotes whose discretionary discount exceeded what the policy allows unapproved."""
    discount_avg_percent: DecimalStr | None
    policy_limit_percent: DecimalStr | None


def _price_view(spec: PriceSpec, currency: str) -> PriceView:
    tiered = spec.model in ("graduated", "volume")
    return PriceView(
        model=spec.model,
        amount=None
        if tiered
        else Money(amount=unit_price_shown(spec.amount, currency), currency=currency),
        tiers=rate_tiers(spec, currency) if tiered else [],
        package_size=spec.package_size if spec.model == "package" else None,
    )


@router.get(
    "/catalog", response_model=CatalogView, tags=["catalog"], dependencies=[require("catalog:read")]
)
async def get_catalog(
    runtime: RuntimeDep,
    currency: Annotated[str, Query(pattern="^[A-Z]{3}$")] = "EUR",
    price_book: Annotated[str | None, Query(max_length=64)] = None,
    segment: Annotated[str | None, Query(max_length=64)] = None,
    on: date | None = None,
) -> CatalogView:
    """The products with their price in `currency` from the price book (named, or the
    segment's, else standard), as effective on `on` (default today)."""
    day = on or runtime.clock.now().date()
    async with runtime.unit_of_work() as uow:
        book = await price_book_named(uow.session, price_book, segment)
        catalog, _ = await load_catalog(uow.session, currency, day, book)
    products = []
    for product in catalog.products.values():
        spec = catalog.prices.get(product.code)
        products.append(
            ProductView(
                code=product.code,
                name=product.name,
                kind=product.kind,
                charge=product.charge,
                billing_period=product.billing_period,
                unit=product.unit,
                usage_metric=product.usage_metric,
                unit_price=None
                if spec is None or spec.model != "per_unit"
                else Money(amount=unit_price_shown(spec.amount, currency), currency=currency),
                price=None if spec is None else _price_view(spec, currency),
                components=[
                    ComponentView(
                        product_code=c.product_code, quantity=c.quantity, required=c.required
                    )
                    for c in catalog.bundles.get(product.code, ())
                ],
            )
        )
    return CatalogView(price_book=book, currency=currency, effective_on=day, products=products)


@router.get(
    "/pricing-policy",
    response_model=PolicyView,
    tags=["catalog"],
    dependencies=[require("catalog:read")],
)
async def get_pricing_policy(runtime: RuntimeDep) -> PolicyView:
    """Configuration rules, volume discount schedules, term discounts and approval thresholds."""
    async with runtime.unit_of_work() as uow:
        catalog, thresholds = await load_catalog(uow.session, "EUR", runtime.clock.now().date())
    return PolicyView(
        configuration_rules=[
            RuleView(
                name=r.name,
                kind=r.kind,
                product_code=r.product_code,
                other_code=r.other_code,
                min_quantity=r.min_quantity,
                max_quantity=r.max_quantity,
            )
            for r in sorted(catalog.rules, key=lambda r: r.name)
        ],
        volume_discounts={k: sorted(v) for k, v in catalog.volume_schedules.items()},
        term_discounts=[
            {
                "name": t.name,
                "percent": str(t.percent),
                "billing_period": t.billing_period,
                "min_term_months": t.min_term_months,
            }
            for t in catalog.term_discounts
        ],
        approval_thresholds=[
            {"step_no": t.step_no, "role": t.role, "above_percent": str(t.above_percent)}
            for t in sorted(thresholds, key=lambda t: t.step_no)
        ],
    )


@router.get(
    "/metrics/quotes",
    response_model=QuoteMetricsView,
    tags=["metrics"],
    dependencies=[require("quotes:read")],
)
async def quote_metrics(runtime: RuntimeDep) -> QuoteMetricsView:
    """What RevOps reads about quoting: generation time, revisions, discount vs policy."""
    async with runtime.unit_of_work() as uow:
        totals = await quote_metric_totals(uow)
    count, gen_avg, gen_max, opportunities, above, discount_avg, limit = totals
    places = Decimal("0.01")
    return QuoteMetricsView(
        quotes=count,
        generation_ms_avg=None if gen_avg is None else Decimal(gen_avg).quantize(places),
        generation_ms_max=gen_max,
        revisions_per_opportunity=(
            (Decimal(count) / opportunities - 1).quantize(places) if opportunities else None
        ),
        above_policy=above,
        discount_avg_percent=None
        if discount_avg is None
        else Decimal(discount_avg).quantize(places),
        policy_limit_percent=limit,
    )
