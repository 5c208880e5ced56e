"""deal-svc's HTTP API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from deal_svc import handlers
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas import Money

router = APIRouter(prefix="/opportunities", tags=["opportunities"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class OpportunityView(BaseModel):
    opportunity_id: UUID
    lead_id: UUID
    account_id: UUID
    account_name: str
    name: str
    kind: str
    stage: str
    probability: int
    status: str
    amount: Money | None
    quote_id: UUID | None
    contract_id: UUID | None
    close_reason: str | None
    opened_at: datetime
    closed_at: datetime | None


class StageChange(BaseModel):
    stage: str = Field(min_length=1, examples=["discovery"])


class CloseLost(BaseModel):
    reason: str = Field(min_length=1, max_length=500, examples=["no budget this year"])
    competitor: str | None = Field(default=None, max_length=200)


def _view(row: dict[str, Any]) -> OpportunityView:
    amount = row["amount"]
    return OpportunityView(
        opportunity_id=row["id"],
        lead_id=row["lead_id"],
        account_id=row["account_id"],
        account_name=row["account_name"],
        name=row["name"],
        kind=row["kind"],
        stage=row["stage"],
        probability=row["probability"],
        status=row["status"],
        amount=None if amount is None else Money.of(amount, row["currency"]),
        quote_id=row["quote_id"],
        contract_id=row["contract_id"],
        close_reason=row["close_reason"],
        opened_at=row["opened_at"],
        closed_at=row["closed_at"],
    )


async def _current(opportunity_id: UUID, runtime: Runtime) -> OpportunityView:
    async with runtime.unit_of_work() as uow:
        row = await handlers.find_opportunity(opportunity_id, uow)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no opportunity {opportunity_id}")
    return _view(row)


@router.get("", response_model=list[OpportunityView])
async def list_opportunities(
    runtime: RuntimeDep, lead_id: UUID | None = None, account_id: UUID | None = None
) -> list[OpportunityView]:
    """Opportunities, newest first, optionally of one lead or one account."""
    async with runtime.unit_of_work() as uow:
        rows = await handlers.list_opportunities(uow, lead_id=lead_id, account_id=account_id)
    return [_view(row) for row in rows]


@router.get("/{opportunity_id}", response_model=OpportunityView)
async def get_opportunity(opportunity_id: UUID, runtime: RuntimeDep) -> OpportunityView:
    return await _current(opportunity_id, runtime)


@router.post("/{opportunity_id}/stage", response_model=OpportunityView)
async def change_stage(
    opportunity_id: UUID, change: StageChange, runtime: RuntimeDep
) -> OpportunityView:
    """Move an open deal to another open stage. Closed stages are refused (409): a deal is
    won by a signed contract and lost through close-lost. Negotiation needs an amount."""
    async with runtime.unit_of_work() as uow:
        await handlers.change_stage(opportunity_id, change.stage, uow)
    return await _current(opportunity_id, runtime)


@router.post("/{opportunity_id}/close-lost", response_model=OpportunityView)
async def close_lost(
    opportunity_id: UUID, request: CloseLost, runtime: RuntimeDep
) -> OpportunityView:
    """Give up an open deal, with the reason and optionally the competitor who won it."""
    async with runtime.unit_of_work() as uow:
        await handlers.close_lost(opportunity_id, request.reason, request.competitor, uow)
    return await _current(opportunity_id, runtime)
