"""Journeys: one lead's timeline, and the list of journeys."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from insights_svc.api.views import (
    JourneyPage,
    JourneySummary,
    JourneyView,
    stage_view,
    summary,
)
from insights_svc.domain.journey import STATUSES
from insights_svc.handlers import reports
from l2c_runtime.auth import require
from l2c_runtime.errors import RuleViolation
from l2c_runtime.http.params import PageDep, TextQuery
from l2c_runtime.service import Runtime, runtime_of

router = APIRouter(prefix="/journeys", tags=["journeys"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


@router.get("/{lead_id}", response_model=JourneyView, dependencies=[require("insights:read")])
async def get_journey(lead_id: UUID, runtime: RuntimeDep) -> JourneyView:
    """Every stage of one lead's journey, in the order it happened: time, actor, owner, ids,
    amounts and the trace id of the event."""
    found, shown, truncated = await reports.journey(runtime.sessions, lead_id)
    return JourneyView(
        **summary(found).model_dump(),
        stages=[stage_view(f) for f in shown],
        truncated=truncated,
    )


@router.get("", response_model=JourneyPage, dependencies=[require("insights:read")])
async def list_journeys(
    runtime: RuntimeDep,
    page: PageDep,
    account_id: UUID | None = None,
    owner: TextQuery = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
) -> JourneyPage:
    """Journeys with an event in [from, to), newest capture first (then by lead id); filter
    by account, owner (the latest named) and status (open, disqualified, lost, won, paid).
    Pass `next_offset` back as `offset` for the next page."""
    if status is not None and status not in STATUSES:
        raise RuleViolation(f"status must be one of {', '.join(STATUSES)}")
    chosen = await reports.journey_list(runtime.sessions, from_, to, account_id, owner, status)
    items: list[JourneySummary] = [summary(m) for m in page.of(chosen)]
    more = page.offset + page.limit < len(chosen)
    return JourneyPage(
        items=items,
        limit=page.limit,
        offset=page.offset,
        next_offset=page.offset + page.limit if more else None,
    )
