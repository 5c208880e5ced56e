"""Reads: one lead, a filtered page of leads, one lead's timeline."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from l2c_runtime.auth import Principal
from l2c_runtime.auth.records import visible_records
from l2c_runtime.errors import RuleViolation
from l2c_runtime.unit_of_work import UnitOfWork
from lead_svc.adapters.tables import lead_activities, lead_history, leads


async def find_lead(lead_id: UUID, uow: UnitOfWork) -> dict[str, Any] | None:
    row = (await uow.session.execute(sa.select(leads).where(leads.c.id == lead_id))).first()
    return None if row is None else dict(row._mapping)


def encode_cursor(captured_at: datetime, lead_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{captured_at.isoformat()}|{lead_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        at, _, lead_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(at), UUID(lead_id)
    except ValueError as exc:
        raise RuleViolation(f"invalid cursor {cursor!r}") from exc


async def list_leads(
    uow: UnitOfWork,
    *,
    status: str | None = None,
    source: str | None = None,
    owner_id: str | None = None,
    team: str | None = None,
    q: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
    visible_to: Principal | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first, `limit` at a time; `q` searches company and e-mail (case-insensitive).
    The cursor (captured_at, id) stays stable while new leads arrive."""
    query = sa.select(leads)
    if visible_to is not None:
        query = query.where(visible_records(visible_to, leads.c.owner_id, leads.c.team))
    for column, value in (
        (leads.c.status, status),
        (leads.c.source, source),
        (leads.c.owner_id, owner_id),
        (leads.c.team, team),
    ):
        if value is not None:
            query = query.where(column == value)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(sa.or_(leads.c.company.ilike(pattern), leads.c.email.ilike(pattern)))
    if cursor is not None:
        at, lead_id = decode_cursor(cursor)
        query = query.where(
            sa.tuple_(leads.c.captured_at, leads.c.id)
            < sa.tuple_(sa.literal(at), sa.literal(lead_id))
        )
    query = query.order_by(leads.c.captured_at.desc(), leads.c.id.desc()).limit(limit + 1)
    rows = [dict(r._mapping) for r in await uow.session.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1]["captured_at"], rows[-1]["id"]) if more else None
    return rows, next_cursor


async def timeline(lead_id: UUID, uow: UnitOfWork) -> list[dict[str, Any]]:
    """Everything that happened to the lead (and to the duplicates merged into it) and every
    engagement signal, oldest first."""
    merged = sa.select(leads.c.id).where(leads.c.merged_into == lead_id)
    history = await uow.session.execute(
        sa.select(lead_history)
        .where(sa.or_(lead_history.c.lead_id == lead_id, lead_history.c.lead_id.in_(merged)))
        .order_by(lead_history.c.id)
    )
    entries = [
        {
            "at": r.occurred_at,
            "kind": r.kind,
            "lead_id": r.lead_id,
            "changes": r.changes,
            "detail": r.detail,
        }
        for r in history
    ]
    signals = await uow.session.execute(
        sa.select(lead_activities).where(lead_activities.c.lead_id == lead_id)
    )
    entries += [
        {
            "at": r.occurred_at,
            "kind": f"engagement:{r.kind}",
            "lead_id": lead_id,
            "changes": {},
            "detail": {"detail": r.detail} if r.detail else {},
        }
        for r in signals
    ]
    return sorted(entries, key=lambda e: e["at"])
