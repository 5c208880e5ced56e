"""Reading the catalog: products, the price a price book gives them on a day, bundles, rules
and the discount policy."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cpq_svc.adapters.tables import (
    approval_thresholds,
    bundle_components,
    configuration_rules,
    price_book_entries,
    price_books,
    products,
    term_discounts,
    volume_discounts,
)
from cpq_svc.domain.approvals import ApprovalThreshold
from cpq_svc.domain.configuration import BundleComponent, ConfigurationRule
from cpq_svc.domain.pricing import PriceSpec, TermDiscount, Tier
from cpq_svc.domain.quote_pricing import Catalog, Product
from l2c_runtime.errors import RuleViolation

STANDARD_PRICE_BOOK = "standard"


def spec_of(model: str, amount: Decimal, tiers: Any, package_size: Decimal | None) -> PriceSpec:
    """A price book entry (or a frozen copy of one) as a pricing model."""
    return PriceSpec(
        model,  # type: ignore[arg-type]
        Decimal(amount),
        tuple(
            Tier(
                None if t["up_to"] is None else Decimal(t["up_to"]),
                Decimal(t["unit_price"]),
                Decimal(t.get("flat_fee", "0")),
            )
            for t in tiers or ()
        ),
        Decimal(1) if package_size is None else Decimal(package_size),
    )


def spec_json(spec: PriceSpec) -> dict[str, Any]:
    """A pricing model as JSON, to freeze it on a quote line."""
    return {
        "model": spec.model,
        "amount": str(spec.amount),
        "package_size": str(spec.package_size),
        "tiers": [
            {
                "up_to": None if t.up_to is None else str(t.up_to),
                "unit_price": str(t.unit_price),
                "flat_fee": str(t.flat_fee),
            }
            for t in spec.tiers
        ],
    }


def spec_from_json(data: dict[str, Any]) -> PriceSpec:
    return spec_of(data["model"], data["amount"], data["tiers"], data["package_size"])


async def price_book_named(session: AsyncSession, name: str | None, segment: str | None) -> str:
    """The price book a quote uses: the one named, else the segment's, else the standard."""
    if name is None and segment is None:
        return STANDARD_PRICE_BOOK
    query = sa.select(price_books.c.name)
    query = query.where(
        price_books.c.name == name if name is not None else price_books.c.segment == segment
    )
    found = await session.scalar(query)
    if found is None:
        wanted = f"price book {name}" if name is not None else f"segment {segment}"
        raise RuleViolation(f"there is no {wanted}")
    return str(found)


async def load_products(
    session: AsyncSession, codes: Collection[str] | None = None
) -> dict[str, Product]:
    query = sa.select(products).order_by(products.c.code)
    if codes is not None:
        query = query.where(products.c.code.in_(list(codes)))
    rows = await session.execute(query)
    return {
        r.code: Product(r.code, r.name, r.kind, r.charge, r.billing_period, r.unit, r.usage_metric)
        for r in rows
    }


async def load_prices(
    session: AsyncSession,
    currency: str,
    on: date,
    price_book: str = STANDARD_PRICE_BOOK,
    codes: Collection[str] | None = None,
) -> dict[str, PriceSpec]:
    """Each product's newest price version effective on `on` in the book and currency."""
    e = price_book_entries.c
    query = (
        sa.select(e.product_code, e.unit_price, e.pricing_model, e.tiers, e.package_size)
        .where(e.price_book == price_book, e.currency == currency, e.effective_from <= on)
        .order_by(e.product_code, e.effective_from.desc())
        .distinct(e.product_code)
    )
    if codes is not None:
        query = query.where(e.product_code.in_(list(codes)))
    rows = await session.execute(query)
    return {
        r.product_code: spec_of(r.pricing_model, r.unit_price, r.tiers, r.package_size)
        for r in rows
    }


async def load_catalog(
    session: AsyncSession, currency: str, on: date, price_book: str = STANDARD_PRICE_BOOK
) -> Catalog:
    """The whole catalog priced from one book on one day, with its rules and discount policy."""
    bundles: dict[str, list[BundleComponent]] = defaultdict(list)
    for r in await session.execute(sa.select(bundle_components)):
        bundles[r.bundle_code].append(BundleComponent(r.product_code, r.quantity, r.required))
    schedules: dict[str, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for r in await session.execute(sa.select(volume_discounts)):
        schedules[r.product_code].append((r.min_quantity, r.percent))
    rules = [
        ConfigurationRule(
            r.name, r.kind, r.product_code, r.other_code, r.min_quantity, r.max_quantity
        )
        for r in await session.execute(sa.select(configuration_rules))
    ]
    terms = [
        TermDiscount(r.name, r.percent, r.billing_period, r.min_term_months)
        for r in await session.execute(sa.select(term_discounts))
    ]
    return Catalog(
        products=await load_products(session),
        prices=await load_prices(session, currency, on, price_book),
        bundles=dict(bundles),
        rules=rules,
        volume_schedules=dict(schedules),
        term_discounts=terms,
        price_book=price_book,
    )


async def load_thresholds(session: AsyncSession) -> list[ApprovalThreshold]:
    rows = await session.execute(sa.select(approval_thresholds))
    return [ApprovalThreshold(r.step_no, r.role, r.above_percent) for r in rows]


@dataclass
class CatalogCache:
    """The catalog and policy change only with new price versions and rules, a day-dated
    matter; re-reading seven tables for every quote would dominate its latency. Entries are
    kept for `ttl_seconds` per currency, day and price book."""

    ttl_seconds: float = 10.0
    _entries: dict[tuple[str, date, str], tuple[float, Catalog, list[ApprovalThreshold]]] = field(
        default_factory=dict
    )

    async def get(
        self, session: AsyncSession, currency: str, on: date, price_book: str
    ) -> tuple[Catalog, list[ApprovalThreshold]]:
        key = (currency, on, price_book)
        found = self._entries.get(key)
        if found is not None and time.monotonic() - found[0] < self.ttl_seconds:
            return found[1], found[2]
        catalog = await load_catalog(session, currency, on, price_book)
        thresholds = await load_thresholds(session)
        if len(self._entries) > 100:
            self._entries.clear()
        self._entries[key] = (time.monotonic(), catalog, thresholds)
        return catalog, thresholds


catalog_cache = CatalogCache()
