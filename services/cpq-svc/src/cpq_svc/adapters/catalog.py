"""Reading the catalog: products with the price a price book gives them on a day."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from cpq_svc.adapters.tables import price_book_entries, products

STANDARD_PRICE_BOOK = "standard"


@dataclass(frozen=True)
class CatalogItem:
    code: str
    name: str
    charge: str
    billing_period: str | None
    unit_price: Decimal | None
    """Price in the requested currency on the requested day; None if the book has none."""


async def priced_products(
    session: AsyncSession,
    currency: str,
    on: date,
    codes: Collection[str] | None = None,
    price_book: str = STANDARD_PRICE_BOOK,
) -> dict[str, CatalogItem]:
    """Products (all, or those in `codes`) with the newest price effective on `on`."""
    effective = (
        sa.select(price_book_entries.c.product_code, price_book_entries.c.unit_price)
        .where(
            price_book_entries.c.price_book == price_book,
            price_book_entries.c.currency == currency,
            price_book_entries.c.effective_from <= on,
        )
        .order_by(price_book_entries.c.product_code, price_book_entries.c.effective_from.desc())
        .distinct(price_book_entries.c.product_code)
        .subquery()
    )
    query = (
        sa.select(products, effective.c.unit_price)
        .outerjoin(effective, effective.c.product_code == products.c.code)
        .order_by(products.c.code)
    )
    if codes is not None:
        query = query.where(products.c.code.in_(list(codes)))
    rows = await session.execute(query)
    return {
        row.code: CatalogItem(row.code, row.name, row.charge, row.billing_period, row.unit_price)
        for row in rows
    }
