"""`GET /audit` on every service: its audit trail, for auditors and platform admins."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from l2c_runtime.audit import AuditQuery, read_audit_trail
from l2c_runtime.auth import require


class AuditEntryView(BaseModel):
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    entity_type: str
    entity_id: str
    details: dict[str, Any]
    client_ip: str | None
    user_agent: str | None
    request_id: str | None


class AuditPage(BaseModel):
    items: list[AuditEntryView]
    next_cursor: int | None
    """Pass back as `cursor` for the next (older) page; null on the last page."""


def audit_router() -> APIRouter:
    router = APIRouter(tags=["audit"])

    @router.get("/audit", response_model=AuditPage, dependencies=[require("audit:read")])
    async def audit_trail(
        request: Request,
        entity_id: str | None = None,
        actor: str | None = None,
        from_: Annotated[datetime | None, Query(alias="from")] = None,
        to: datetime | None = None,
        cursor: int | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> AuditPage:
        """Who did what to which record, when and from where, newest first; filter by the
        record's id, the actor (token subject) and a time range [`from`, `to`)."""
        runtime = request.app.state.runtime
        query = AuditQuery(entity_id, actor, from_, to, cursor, limit + 1)
        async with runtime.unit_of_work() as uow:
            entries = await read_audit_trail(uow, query)
        page = entries[:limit]
        return AuditPage(
            items=[AuditEntryView.model_validate(e, from_attributes=True) for e in page],
            next_cursor=page[-1].id if len(entries) > limit else None,
        )

    return router
