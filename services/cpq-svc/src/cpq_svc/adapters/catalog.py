"""Reading the catalog: products, the price a price book gives them on a day, bundles, rules
and the discount policy."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
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
from cpq_svc.domain.pricing import TermDiscount
from cpq_svc.domain.quote_pricing import Catalog, Product
from l2c_pricing import PriceSpec, Tier
from l2c_runtime.errors import RuleViolation

STANDARD_PRICE_BOOK = "standard"


def spec_of(
    model: str,
    amount: Decimal,
    tiers: Any,
    package_size: Decimal | None,
    flat_fee: Decimal | str | None = None,
) -> PriceSpec:
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
        Decimal(0) if flat_fee is None else Decimal(flat_fee),
    )


def spec_json(spec: PriceSpec) -> dict[str, Any]:
    """A pricing model as JSON, to freeze it on a quote line."""
    return {
        "model": spec.model,
        "amount": str(spec.amount),
        "package_size": str(spec.package_size),
        "flat_fee": str(spec.flat_fee),
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
    return spec_of(
        data["model"], data["amount"], data["tiers"], data["package_size"], data.get("flat_fee")
    )


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


async def load_catalog(
    session: AsyncSession, currency: str, on: date, price_book: str = STANDARD_PRICE_BOOK
) -> tuple[Catalog, list[ApprovalThreshold]]:
    """The whole catalog priced from one book on one day, with its rules, and the discount
    policy: read in one statement, as this transaction sees it, so a quote never gets a price
    that was replaced. Parsing it is done once per distinct content."""
    document = await session.scalar(
        _CATALOG_DOCUMENT, {"currency": currency, "on": on, "price_book": price_book}
    )
    key = (price_book, str(document))
    parsed = _parsed_catalogs.get(key)
    if parsed is None:
        if len(_parsed_catalogs) >= 64:
            _parsed_catalogs.clear()
        tables = json.loads(key[1], parse_float=Decimal)
        parsed = _parsed_catalogs[key] = _catalog_of(tables, price_book)
    return parsed


# Catalog documents as read, and what they parse to: a document is its own version, so an
# entry can never be stale (a changed price, rule or threshold reads as another document).
_parsed_catalogs: dict[tuple[str, str], tuple[Catalog, list[ApprovalThreshold]]] = {}


def _catalog_document() -> sa.Select[tuple[str]]:
    """One JSON text holding every table pricing needs; for prices, each product's newest
    version effective on `on` in the book and currency."""
    e = price_book_entries.c
    prices = (
        sa.select(e.product_code, e.unit_price, e.pricing_model, e.tiers, e.package_size)
        .where(
            e.price_book == sa.bindparam("price_book"),
            e.currency == sa.bindparam("currency"),
            e.effective_from <= sa.bindparam("on", type_=sa.Date),
        )
        .order_by(e.product_code, e.effective_from.desc())
        .distinct(e.product_code)
    )
    # Products and prices by code; the rest as stored (a bundle's components in the order it
    # was defined: they become the quote's lines in that order).
    parts = {
        "products": _rows_as_json(sa.select(products), "code"),
        "prices": _rows_as_json(prices, "product_code"),
        "bundles": _rows_as_json(sa.select(bundle_components)),
        "volume": _rows_as_json(sa.select(volume_discounts)),
        "rules": _rows_as_json(sa.select(configuration_rules)),
        "terms": _rows_as_json(sa.select(term_discounts)),
        "thresholds": _rows_as_json(sa.select(approval_thresholds)),
    }
    pairs: list[sa.ColumnElement[Any]] = []
    for name, rows in parts.items():
        pairs += [sa.literal_column(f"'{name}'"), rows]
    return sa.select(sa.cast(sa.func.json_build_object(*pairs), sa.Text))


def _rows_as_json(query: sa.Select[Any], *order: str) -> sa.ScalarSelect[Any]:
    rows = query.subquery()
    aggregated: Any = rows.table_valued()
    if order:
        aggregated = aggregate_order_by(aggregated, *(rows.c[name] for name in order))
    return sa.select(
        sa.func.coalesce(sa.func.json_agg(aggregated), sa.literal_column("'[]'::json"))
    ).scalar_subquery()


def _catalog_of(
    tables: dict[str, list[dict[str, Any]]], price_book: str
) -> tuple[Catalog, list[ApprovalThreshold]]:
    # Numbers are parsed as Decimal (integral ones as int, which Decimal() takes exactly).
    bundles: dict[str, list[BundleComponent]] = defaultdict(list)
    for r in tables["bundles"]:
        bundles[r["bundle_code"]].append(
            BundleComponent(r["product_code"], Decimal(r["quantity"]), r["required"])
        )
    schedules: dict[str, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for r in tables["volume"]:
        schedules[r["product_code"]].append((Decimal(r["min_quantity"]), Decimal(r["percent"])))
    catalog = Catalog(
        products={
            r["code"]: Product(
                r["code"],
                r["name"],
                r["kind"],
                r["charge"],
                r["billing_period"],
                r["unit"],
                r["usage_metric"],
            )
            for r in tables["products"]
        },
        prices={
            r["product_code"]: spec_of(
                r["pricing_model"], r["unit_price"], r["tiers"], r["package_size"]
            )
            for r in tables["prices"]
        },
        bundles=dict(bundles),
        rules=[
            ConfigurationRule(
                r["name"],
                r["kind"],
                r["product_code"],
                r["other_code"],
                _decimal_or_none(r["min_quantity"]),
                _decimal_or_none(r["max_quantity"]),
            )
            for r in tables["rules"]
        ],
        volume_schedules=dict(schedules),
        term_discounts=[
            TermDiscount(
                r["name"], Decimal(r["percent"]), r["billing_period"], r["min_term_months"]
            )
            for r in tables["terms"]
        ],
        price_book=price_book,
    )
    thresholds = [
        ApprovalThreshold(r["step_no"], r["role"], Decimal(r["above_percent"]))
        for r in tables["thresholds"]
    ]
    return catalog, thresholds


def _decimal_or_none(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value)


# Built once: composing and hashing this statement anew cost more than running it.
_CATALOG_DOCUMENT = _catalog_document()
