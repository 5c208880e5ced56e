"""ar-svc's report API: receivables aging, days sales outstanding, cash collected."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel

from ar_svc.adapters import report_queries as reports
from ar_svc.domain.reports import Granularity
from l2c_runtime.auth import require
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas.money import DecimalStr

router = APIRouter(tags=["reports"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
CurrencyQuery = Annotated[str, Query(pattern="^[A-Z]{3}$")]


class AgingView(BaseModel):
    as_of: date
    currency: str
    buckets: dict[str, DecimalStr]
    """Open invoice balances by days past due: current, 1-30, 31-60, 61-90, 90+."""
    total: DecimalStr


@router.get("/reports/aging", response_model=AgingView, dependencies=[require("receivables:read")])
async def aging(
    as_of: date,
    runtime: RuntimeDep,
    currency: CurrencyQuery = "EUR",
    account_id: UUID | None = None,
) -> AgingView:
    """Receivables aging as they stood at the end of `as_of` (UTC)."""
    async with runtime.unit_of_work() as uow:
        buckets = await reports.aging_report(uow, as_of, currency, account_id)
    return AgingView(
        as_of=as_of, currency=currency, buckets=buckets, total=sum(buckets.values(), Decimal(0))
    )


class DsoView(BaseModel):
    start: date
    end: date
    currency: str
    ending_receivables: DecimalStr
    credit_sales: DecimalStr
    days: int
    dso: DecimalStr | None
    """ending_receivables ÷ credit_sales × days, to 0.1 day; null without credit sales."""


@router.get("/reports/dso", response_model=DsoView, dependencies=[require("receivables:read")])
async def dso(
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    runtime: RuntimeDep,
    currency: CurrencyQuery = "EUR",
    account_id: UUID | None = None,
) -> DsoView:
    """Days sales outstanding over [from, to]: what invoices still owe at the end of `to`,
    divided by the invoices issued in the period, times the period's days."""
    _check_range(start, end)
    async with runtime.unit_of_work() as uow:
        figures = await reports.dso_report(uow, start, end, currency, account_id)
    return DsoView(start=start, end=end, currency=currency, **figures)


class CollectedView(BaseModel):
    period_start: date
    amount: DecimalStr


class CashCollectedView(BaseModel):
    currency: str
    granularity: Granularity
    periods: list[CollectedView]
    total: DecimalStr


@router.get(
    "/reports/cash-collected",
    response_model=CashCollectedView,
    dependencies=[require("receivables:read")],
)
async def cash_collected(
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    runtime: RuntimeDep,
    granularity: Granularity = "month",
    currency: CurrencyQuery = "EUR",
    account_id: UUID | None = None,
) -> CashCollectedView:
    """Cash received per period (by the day it was received), empty periods included."""
    _check_range(start, end)
    async with runtime.unit_of_work() as uow:
        periods = await reports.cash_collected_report(
            uow, start, end, granularity, currency, account_id
        )
    return CashCollectedView(
        currency=currency,
        granularity=granularity,
        periods=[CollectedView(period_start=p.period_start, amount=p.amount) for p in periods],
        total=sum((p.amount for p in periods), Decimal(0)),
    )


def _check_range(start: date, end: date) -> None:
    if end < start:
        raise HTTPException(422, "the report's `to` is before its `from`")
    if (end - start).days > 366 * 10:
        raise HTTPException(422, "a report covers at most ten years")
