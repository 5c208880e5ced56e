"""What an operator can do about parked outbox rows (rows the broker refused for good): see
them, send them back to the relay (after the cause is fixed, e.g. the topic's size limit
raised), or skip them with a reason, which lets the later rows of their key flow again.
Skipped rows stay in the outbox, with the reason, as the record of what was never
published."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from l2c_runtime.messaging_tables import PARKED, PENDING, SKIPPED, outbox
from l2c_runtime.unit_of_work import OUTBOX_CHANNEL


@dataclass(frozen=True)
class ParkedRow:
    id: int
    event_id: str
    message_key: str | None
    ce_type: str
    topic: str
    payload_bytes: int
    attempts: int
    error: str | None
    created_at: datetime
    parked_at: datetime | None
    waiting_behind: int
    """Pending rows of the same key held back by this one."""


async def parked_rows(engine: AsyncEngine, limit: int = 1000) -> list[ParkedRow]:
    """Parked rows, oldest first."""
    later = outbox.alias("later")
    waiting = (
        sa.select(sa.func.count())
        .where(later.c.state == PENDING)
        .where(later.c.message_key == outbox.c.message_key)
        .where(later.c.id > outbox.c.id)
        .scalar_subquery()
    )
    query = (
        sa.select(
            outbox.c.id,
            outbox.c.event_id,
            outbox.c.message_key,
            outbox.c.ce_type,
            outbox.c.topic,
            sa.func.octet_length(outbox.c.payload).label("payload_bytes"),
            outbox.c.attempts,
            outbox.c.last_error,
            outbox.c.created_at,
            outbox.c.parked_at,
            waiting.label("waiting_behind"),
        )
        .where(outbox.c.state == PARKED)
        .order_by(outbox.c.id)
        .limit(limit)
    )
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return [
        ParkedRow(
            id=row.id,
            event_id=str(row.event_id),
            message_key=row.message_key,
            ce_type=row.ce_type,
            topic=row.topic,
            payload_bytes=row.payload_bytes,
            attempts=row.attempts,
            error=row.last_error,
            created_at=row.created_at,
            parked_at=row.parked_at,
            waiting_behind=row.waiting_behind,
        )
        for row in rows
    ]


async def retry_parked(engine: AsyncEngine, ids: Sequence[int] | None) -> list[int]:
    """Send parked rows (all when `ids` is None) back to the relay, in their original place
    in their key's order; returns the ids unparked."""
    query = sa.update(outbox).where(outbox.c.state == PARKED)
    if ids is not None:
        query = query.where(outbox.c.id.in_(ids))
    async with engine.begin() as conn:
        result = await conn.execute(
            query.values(state=PENDING, parked_at=None).returning(outbox.c.id)
        )
        unparked = sorted(row.id for row in result)
        if unparked:
            await _wake_relay(conn)
    return unparked


async def skip_parked(engine: AsyncEngine, row_id: int, reason: str) -> bool:
    """Give up on one parked row, keeping it with the reason; the later rows of its key flow
    again. False when no parked row has that id."""
    if not reason.strip():
        raise ValueError("a reason is required to skip an outbox row")
    async with engine.begin() as conn:
        result = await conn.execute(
            sa.update(outbox)
            .where(outbox.c.id == row_id)
            .where(outbox.c.state == PARKED)
            .values(state=SKIPPED, skip_reason=reason)
            .returning(outbox.c.id)
        )
        skipped = result.first() is not None
        if skipped:
            await _wake_relay(conn)
    return skipped


async def _wake_relay(conn: AsyncConnection) -> None:
    await conn.execute(sa.select(sa.func.pg_notify(OUTBOX_CHANNEL, "")))
