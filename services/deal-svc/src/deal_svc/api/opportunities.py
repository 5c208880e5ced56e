"""Opportunities: open on an account, list and filter, move, update, give up, history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, Field

from deal_svc.adapters import queries
from deal_svc.adapters.pipeline_store import load_pipeline
from deal_svc.api.views import OpportunityView, RuntimeDep, opportunity_view
from deal_svc.domain.stage_history import stage_visits, time_in_stages
from deal_svc.handlers import closing, opening
from deal_svc.handlers import opportunities as handlers
from l2c_runtime.auth import Principal, require
from l2c_runtime.http.params import MAX_OFFSET, MAX_PAGE, TextQuery
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.money import Cash
from l2c_schemas.text import BoundedModel

router = APIRouter(prefix="/opportunities", tags=["opportunities"])

Status = Literal["open", "won", "lost"]
Kind = Literal["new_business", "expansion", "renewal"]


class OpenOpportunity(BoundedModel):
    account_id: UUID
    name: str = Field(min_length=1, max_length=200, examples=["Analytical Engines — 50 more seats"])
    kind: Literal["expansion", "renewal"] = "expansion"
    amount: Cash | None = None
    expected_close_date: date | None = None
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    pipeline: str | None = Field(default=None, max_length=50, examples=["default"])
    """Default: the pipeline of the kind (renewals have their own)."""


class OpportunityChange(BoundedModel):
    """Fields left out stay as they are."""

    amount: Cash | None = None
    expected_close_date: date | None = None
    owner: str | None = Field(default=None, min_length=1, max_length=200)
    probability: int | None = Field(default=None, ge=0, le=100)
    """Overrides the stage's default until the deal next changes stage."""


class StageChange(BoundedModel):
    stage: str = Field(min_length=1, max_length=50, examples=["discovery"])


class CloseLost(BoundedModel):
    reason: str = Field(min_length=1, max_length=500, examples=["no budget this year"])
    competitor: str | None = Field(default=None, max_length=200)


class StageVisitView(BaseModel):
    stage: str
    entered_at: datetime
    left_at: datetime | None
    seconds_in_stage: int | None


class StageHistoryView(BaseModel):
    opportunity_id: UUID
    visits: list[StageVisitView]
    seconds_in_stage: dict[str, int]
    """Total per stage, revisits added up; the closing stage is not counted."""


Reader = Annotated[Principal, require("opportunities:read")]
Writer = Annotated[Principal, require("opportunities:write")]


async def _visible(opportunity_id: UUID, caller: Principal, uow: UnitOfWork) -> dict[str, Any]:
    """The deal, if `caller` may see it; another team's deal is answered like a missing one
    (404), so ids cannot be probed."""
    row = await queries.find_opportunity(opportunity_id, uow)
    if row is None or not caller.may_see(row["owner"], row["lead_team"]):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no opportunity {opportunity_id}")
    return row


async def _current(opportunity_id: UUID, runtime: RuntimeDep, caller: Principal) -> OpportunityView:
    async with runtime.unit_of_work() as uow:
        row = await _visible(opportunity_id, caller, uow)
    return opportunity_view(row)


@router.post("", response_model=OpportunityView, status_code=status.HTTP_201_CREATED)
async def open_opportunity(
    request: OpenOpportunity, runtime: RuntimeDep, caller: Writer
) -> OpportunityView:
    """Open an expansion (or a renewal) on an existing account, in the journey of the lead
    that brought the account. New business is opened by a qualified lead, not here."""
    async with runtime.unit_of_work() as uow:
        opportunity_id = await opening.open_on_account(
            request.account_id,
            request.name,
            request.kind,
            uow,
            amount=request.amount,
            expected_close_date=request.expected_close_date,
            # A rep opening a deal owns it unless they name its owner.
            owner=request.owner or (None if caller.sees_every_record else caller.subject),
            pipeline=request.pipeline,
        )
    return await _current(opportunity_id, runtime, caller)


@router.get("", response_model=list[OpportunityView])
async def list_opportunities(
    runtime: RuntimeDep,
    caller: Reader,
    response: Response,
    lead_id: UUID | None = None,
    account_id: UUID | None = None,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    stage: TextQuery = None,
    owner: TextQuery = None,
    kind: Kind | None = None,
    closing_from: date | None = None,
    closing_to: date | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[OpportunityView]:
    """Opportunities, newest first, filtered; one page of `limit` from `offset`. The header
    X-Total-Count tells how many match in all. `closing_from`/`closing_to` filter on the
    expected close date."""
    where = queries.OpportunityFilter(
        lead_id, account_id, status_, stage, owner, kind, closing_from, closing_to, caller
    )
    async with runtime.unit_of_work() as uow:
        rows, total = await queries.list_opportunities(uow, where, limit, offset)
    response.headers["X-Total-Count"] = str(total)
    return [opportunity_view(row) for row in rows]


@router.get("/{opportunity_id}", response_model=OpportunityView)
async def get_opportunity(
    opportunity_id: UUID, runtime: RuntimeDep, caller: Reader
) -> OpportunityView:
    return await _current(opportunity_id, runtime, caller)


@router.patch("/{opportunity_id}", response_model=OpportunityView)
async def update_opportunity(
    opportunity_id: UUID, change: OpportunityChange, runtime: RuntimeDep, caller: Writer
) -> OpportunityView:
    """Set the amount, expected close date, owner or win probability of an open deal (409
    once it is closed, and for the amount once a quote is accepted: the amount then follows
    the quote)."""
    async with runtime.unit_of_work() as uow:
        await _visible(opportunity_id, caller, uow)
        await handlers.update_opportunity(
            opportunity_id,
            uow,
            amount=change.amount,
            expected_close_date=change.expected_close_date,
            owner=change.owner,
            probability=change.probability,
        )
    return await _current(opportunity_id, runtime, caller)


@router.post("/{opportunity_id}/stage", response_model=OpportunityView)
async def change_stage(
    opportunity_id: UUID, change: StageChange, runtime: RuntimeDep, caller: Writer
) -> OpportunityView:
    """Move an open deal to another open stage of its pipeline. Closed stages are refused
    (409): a deal is won by a signed contract and lost through close-lost. A stage's gate
    refuses a deal lacking what it requires (default: negotiation needs an amount and an
    expected close date)."""
    async with runtime.unit_of_work() as uow:
        await _visible(opportunity_id, caller, uow)
        await handlers.change_stage(opportunity_id, change.stage, uow)
    return await _current(opportunity_id, runtime, caller)


@router.post("/{opportunity_id}/close-lost", response_model=OpportunityView)
async def close_lost(
    opportunity_id: UUID, request: CloseLost, runtime: RuntimeDep, caller: Writer
) -> OpportunityView:
    """Give up an open deal, with the reason and optionally the competitor who won it."""
    async with runtime.unit_of_work() as uow:
        await _visible(opportunity_id, caller, uow)
        await closing.give_up(opportunity_id, request.reason, request.competitor, uow)
    return await _current(opportunity_id, runtime, caller)


@router.get("/{opportunity_id}/history", response_model=StageHistoryView)
async def stage_history(
    opportunity_id: UUID, runtime: RuntimeDep, caller: Reader
) -> StageHistoryView:
    """Every stage the deal was in, when it entered and left, and how long it stayed."""
    async with runtime.unit_of_work() as uow:
        row = await _visible(opportunity_id, caller, uow)
        pipeline = await load_pipeline(uow.session, row["pipeline"])
        entries = await queries.stage_entries(opportunity_id, uow)
        now = uow.clock.now()
    closed = frozenset(s.name for s in pipeline.stages if s.is_closed)
    visits = stage_visits(entries, now, closed)
    return StageHistoryView(
        opportunity_id=opportunity_id,
        visits=[
            StageVisitView(
                stage=v.stage,
                entered_at=v.entered_at,
                left_at=v.left_at,
                seconds_in_stage=None
                if v.time_in_stage is None
                else int(v.time_in_stage.total_seconds()),
            )
            for v in visits
        ],
        seconds_in_stage={
            stage: int(spent.total_seconds()) for stage, spent in time_in_stages(visits).items()
        },
    )
