"""Retention of the messaging tables: sent outbox rows and old inbox rows are deleted in small
batches, so the tables stay small without one long-running delete."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from l2c_runtime.jobs import periodic
from l2c_runtime.messaging_tables import inbox, outbox

if TYPE_CHECKING:
    from l2c_runtime.service import Runtime

OUTBOX_RETENTION = timedelta(days=7)
"""Sent rows are kept a week: enough to see what was published when, e.g. after an incident."""
INBOX_RETENTION = timedelta(days=30)
"""Longer than the topics' retention, so a redelivery is always recognised."""
BATCH = 5000


@periodic(3600.0)
async def prune_messaging_tables(runtime: Runtime) -> None:
    await prune_once(runtime.engine, runtime.clock.now())


async def prune_once(engine: AsyncEngine, now: datetime) -> None:
    """Delete up to BATCH sent outbox rows and BATCH inbox rows past their retention."""
    async with engine.begin() as conn:
        sent = (
            sa.select(outbox.c.id)
            .where(outbox.c.published_at < now - OUTBOX_RETENTION)
            .limit(BATCH)
        )
        await conn.execute(sa.delete(outbox).where(outbox.c.id.in_(sent.scalar_subquery())))
        old = (
            sa.select(inbox.c.consumer, inbox.c.event_id)
            .where(inbox.c.processed_at < now - INBOX_RETENTION)
            .limit(BATCH)
        )
        await conn.execute(
            sa.delete(inbox).where(sa.tuple_(inbox.c.consumer, inbox.c.event_id).in_(old))
        )
