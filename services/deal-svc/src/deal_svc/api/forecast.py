"""The forecast: weighted pipeline and commit / best case / pipeline totals per period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from deal_svc.adapters import queries
from deal_svc.api.views import RuntimeDep
from deal_svc.domain.forecast import (
    AccuracyGroup,
    ForecastTotals,
    GroupBy,
    accuracy,
    forecast,
    parse_period,
)
from l2c_runtime.auth import require
from l2c_runtime.errors import RuleViolation
from l2c_schemas import Money

router = APIRouter(prefix="/forecast", tags=["forecast"])


class TotalsView(BaseModel):
    currency: str
    deals: int
    pipeline: Money
    best_case: Money
    commit: Money
    closed: Money
    """Won in the period."""
    open_pipeline: Money
    """pipeline + best case + commit, unweighted."""
    weighted_pipeline: Money
    """Σ amount × probability of the open deals, rounded per deal."""
    commit_forecast: Money
    """closed + commit."""
    best_case_forecast: Money
    """closed + commit + best case."""


class GroupView(BaseModel):
    key: str
    totals: list[TotalsView]
    """One entry per currency."""


class ForecastView(BaseModel):
    period: str
    first_day: date
    last_day: date
    group_by: GroupBy
    groups: list[GroupView]
    overall: list[TotalsView]


def _money(amount: Decimal, currency: str) -> Money:
    return Money.of(amount, currency)


def _totals(t: ForecastTotals) -> TotalsView:
    c = t.currency
    return TotalsView(
        currency=c,
        deals=t.deals,
        pipeline=_money(t.pipeline, c),
        best_case=_money(t.best_case, c),
        commit=_money(t.commit, c),
        closed=_money(t.closed, c),
        open_pipeline=_money(t.open_pipeline, c),
        weighted_pipeline=_money(t.weighted_pipeline, c),
        commit_forecast=_money(t.commit_forecast, c),
        best_case_forecast=_money(t.best_case_forecast, c),
    )


@router.get("", response_model=ForecastView, dependencies=[require("forecast:read")])
async def get_forecast(
    runtime: RuntimeDep,
    period: Annotated[
        str, Query(max_length=7, examples=["2026-Q4"], description="2026-Q4, 2026-11 or 2026")
    ],
    group_by: GroupBy = "none",
) -> ForecastView:
    """Deals with an amount closing in the period — open ones by expected close date, won ones
    by the day they were won — totalled per forecast category and currency, per owner or
    stage. Deals without an amount or an expected close date are not forecast."""
    wanted = parse_period(period)
    async with runtime.unit_of_work() as uow:
        deals = await queries.forecast_deals(uow, wanted)
    result = forecast(deals, wanted, group_by)
    return ForecastView(
        period=wanted.label,
        first_day=wanted.first_day,
        last_day=wanted.last_day,
        group_by=group_by,
        groups=[GroupView(key=g.key, totals=[_totals(t) for t in g.totals]) for g in result.groups],
        overall=[_totals(t) for t in result.overall],
    )


class AccuracyView(BaseModel):
    key: str
    """The owner, the team, or `all`."""
    commit_forecast: Money
    best_case_forecast: Money
    weighted_forecast: Money
    """Won by then plus the weighted open pipeline."""
    actual: Money
    """Won in the period."""
    attainment: Decimal | None
    """actual / commit forecast, four decimal places; null when nothing was committed."""
    error: Decimal | None
    """|actual - commit forecast| / commit forecast, four decimal places."""


class ForecastAccuracyView(BaseModel):
    period: str
    called_on: date | None
    """The day of the call: the period's first daily snapshot (null: none was taken)."""
    group_by: AccuracyGroup
    groups: list[AccuracyView]
    """One entry per group and currency."""


@router.get(
    "/accuracy", response_model=ForecastAccuracyView, dependencies=[require("forecast:read")]
)
async def get_forecast_accuracy(
    runtime: RuntimeDep,
    period: Annotated[
        str, Query(max_length=7, examples=["2026-11"], description="a month or a quarter")
    ],
    group_by: AccuracyGroup = "owner",
) -> ForecastAccuracyView:
    """How good the period's forecast was: its call (the forecast as it stood on the first
    day of the period a snapshot was taken, kept daily for the current month and quarter)
    against what was actually won in the period, per owner, team or overall and per
    currency. A period still running compares the call with what was won so far."""
    wanted = parse_period(period)
    if wanted.label.isdigit():
        raise RuleViolation(
            "forecasts are kept for months and quarters: ask for 2026-11 or 2026-Q4, not a year"
        )
    async with runtime.unit_of_work() as uow:
        called_on, call = await queries.period_call(uow, wanted)
        deals = await queries.forecast_deals(uow, wanted)
    results = accuracy(call, deals, wanted, group_by)
    return ForecastAccuracyView(
        period=wanted.label,
        called_on=called_on,
        group_by=group_by,
        groups=[
            AccuracyView(
                key=r.key,
                commit_forecast=_money(r.commit_forecast, r.currency),
                best_case_forecast=_money(r.best_case_forecast, r.currency),
                weighted_forecast=_money(r.weighted_forecast, r.currency),
                actual=_money(r.actual, r.currency),
                attainment=r.attainment,
                error=r.error,
            )
            for r in results
        ],
    )
