"""lead-svc's HTTP API."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel

from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas import LeadSubmitted
from lead_svc import handlers

router = APIRouter(prefix="/leads", tags=["leads"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class LeadView(BaseModel):
    lead_id: UUID
    status: str
    score: int
    score_items: list[dict[str, Any]]
    company: str
    source: str


def _view(row: dict[str, Any]) -> LeadView:
    return LeadView(
        lead_id=row["id"],
        status=row["status"],
        score=row["score"],
        score_items=row["score_items"],
        company=row["company"],
        source=row["source"],
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=LeadView)
async def capture_lead(submission: LeadSubmitted, runtime: RuntimeDep) -> LeadView:
    """Capture a lead (web form, import, API). It is scored and qualified at once."""
    async with runtime.unit_of_work() as uow:
        lead_id = await handlers.capture_lead(submission, uow)
        row = await handlers.find_lead(lead_id, uow)
    assert row is not None
    return _view(row)


@router.get("/{lead_id}", response_model=LeadView)
async def get_lead(lead_id: UUID, runtime: RuntimeDep) -> LeadView:
    async with runtime.unit_of_work() as uow:
        row = await handlers.find_lead(lead_id, uow)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no lead {lead_id}")
    return _view(row)
