"""cpq-svc's HTTP API: the catalog and quotes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from cpq_svc import handlers
from cpq_svc.adapters.catalog import STANDARD_PRICE_BOOK, priced_products
from cpq_svc.domain.pricing import unit_price_shown
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas import DecimalStr, Money, PricedLine
from l2c_schemas.cpq import BillingPeriod, QuoteTotals
from l2c_schemas.money import CurrencyCode

router = APIRouter()
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class ProductView(BaseModel):
    code: str
    name: str
    charge: Literal["recurring", "one_time"]
    billing_period: BillingPeriod | None
    unit_price: Money | None
    """None when the price book has no price for it in this currency."""


class CatalogView(BaseModel):
    price_book: str
    currency: str
    effective_on: date
    products: list[ProductView]


class LineRequest(BaseModel):
    product_code: str = Field(min_length=1, examples=["PLAT-SEAT"])
    quantity: DecimalStr = Field(examples=["25"])
    discount_percent: DecimalStr = Field(default=Decimal(0), examples=["10"])


class CreateQuote(BaseModel):
    opportunity_id: UUID
    currency: CurrencyCode = Field(examples=["EUR"])
    term_months: int = Field(default=12, ge=1, le=120)
    billing_period: BillingPeriod = "month"
    payment_terms_days: int = Field(default=30, ge=0, le=365)
    lines: list[LineRequest] = Field(min_length=1)


class QuoteView(BaseModel):
    quote_id: UUID
    opportunity_id: UUID
    lead_id: UUID
    account_id: UUID
    customer_name: str
    version: int
    status: str
    currency: str
    term_months: int
    billing_period: BillingPeriod
    payment_terms_days: int
    lines: list[PricedLine]
    totals: QuoteTotals
    valid_until: date
    created_at: datetime
    accepted_at: datetime | None


@router.get("/catalog", response_model=CatalogView, tags=["catalog"])
async def get_catalog(
    runtime: RuntimeDep, currency: Annotated[str, Query(pattern="^[A-Z]{3}$")] = "EUR"
) -> CatalogView:
    """The products with their standard price in `currency`, effective today."""
    today = runtime.clock.now().date()
    async with runtime.unit_of_work() as uow:
        items = await priced_products(uow.session, currency, today)
    return CatalogView(
        price_book=STANDARD_PRICE_BOOK,
        currency=currency,
        effective_on=today,
        products=[
            ProductView(
                code=item.code,
                name=item.name,
                charge=item.charge,
                billing_period=item.billing_period,
                unit_price=None
                if item.unit_price is None
                else Money(amount=unit_price_shown(item.unit_price, currency), currency=currency),
            )
            for item in items.values()
        ],
    )


@router.post(
    "/quotes", status_code=status.HTTP_201_CREATED, response_model=QuoteView, tags=["quotes"]
)
async def create_quote(request: CreateQuote, runtime: RuntimeDep) -> QuoteView:
    """Quote an opportunity: each line is priced from today's price book and frozen on the
    quote. 404 if the opportunity has not reached cpq-svc yet; 422 names a product that is
    unknown or has no price in the currency."""
    async with runtime.unit_of_work() as uow:
        quote_id = await handlers.create_quote(
            handlers.QuoteRequest(
                opportunity_id=request.opportunity_id,
                currency=request.currency,
                term_months=request.term_months,
                billing_period=request.billing_period,
                payment_terms_days=request.payment_terms_days,
                lines=[
                    handlers.RequestedLine(line.product_code, line.quantity, line.discount_percent)
                    for line in request.lines
                ],
            ),
            uow,
        )
    return await _current(quote_id, runtime)


@router.get("/quotes/{quote_id}", response_model=QuoteView, tags=["quotes"])
async def get_quote(quote_id: UUID, runtime: RuntimeDep) -> QuoteView:
    return await _current(quote_id, runtime)


@router.post("/quotes/{quote_id}/accept", response_model=QuoteView, tags=["quotes"])
async def accept_quote(quote_id: UUID, runtime: RuntimeDep) -> QuoteView:
    """The customer accepts the quote; accepting it again, or after it expired, is 409."""
    async with runtime.unit_of_work() as uow:
        await handlers.accept_quote(quote_id, uow)
    return await _current(quote_id, runtime)


async def _current(quote_id: UUID, runtime: Runtime) -> QuoteView:
    async with runtime.unit_of_work() as uow:
        quote = await handlers.find_quote(quote_id, uow)
    if quote is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no quote {quote_id}")
    row = quote.row
    return QuoteView(
        quote_id=row["id"],
        opportunity_id=row["opportunity_id"],
        lead_id=row["lead_id"],
        account_id=row["account_id"],
        customer_name=row["account_name"],
        version=row["version"],
        status=row["status"],
        currency=row["currency"],
        term_months=row["term_months"],
        billing_period=row["billing_period"],
        payment_terms_days=row["payment_terms_days"],
        lines=quote.lines,
        totals=quote.totals,
        valid_until=row["valid_until"],
        created_at=row["created_at"],
        accepted_at=row["accepted_at"],
    )
