"""Retention of the messaging tables: sent outbox rows and old inbox rows are deleted in bounded
batches, one short transaction each, in a loop until none past their retention is left.

Each batch finds its rows through an index made for it (`ix_outbox_sent_at`: sent rows by
publication time; `ix_inbox_processed_at`) and deletes them by their physical address, so a
batch costs about the rows it deletes, however large the tables. One replica at a time prunes
(the `retention` lease): two would only fight over the same rows."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from l2c_runtime.jobs import periodic
from l2c_runtime.lease import Lease

if TYPE_CHECKING:
    from l2c_runtime.service import Runtime

log = logging.getLogger(__name__)

RETENTION_LEASE = "retention"
RETENTION_LEASE_SECONDS = 30.0

_PRUNE_OUTBOX = sa.text(
    "DELETE FROM outbox WHERE ctid = ANY(ARRAY("
    " SELECT ctid FROM outbox WHERE state = 'sent' AND published_at < :cutoff LIMIT :rows))"
)
_PRUNE_INBOX = sa.text(
    "DELETE FROM inbox WHERE ctid = ANY(ARRAY("
    " SELECT ctid FROM inbox WHERE processed_at < :cutoff LIMIT :rows))"
)


@dataclass(frozen=True)
class Retention:
    outbox: timedelta = timedelta(days=7)
    """Sent rows are kept a week: enough to see what was published when, e.g. after an
    incident. Pending, parked and skipped rows are never pruned."""
    inbox: timedelta = timedelta(days=30)
    """Longer than the topics' retention, so a redelivery is always recognised."""
    batch_rows: int = 5000


@dataclass(frozen=True)
class Pruned:
    outbox_rows: int
    inbox_rows: int


async def prune_messaging_tables(runtime: Runtime) -> None:
    """Background job of every replica: a pass every `L2C_PRUNE_INTERVAL_SECONDS`, by
    whichever replica holds the retention lease."""
    settings = runtime.settings
    retention = Retention(
        outbox=timedelta(hours=settings.outbox_retention_hours),
        inbox=timedelta(hours=settings.inbox_retention_hours),
        batch_rows=settings.prune_batch_rows,
    )
    lease = Lease(runtime.engine, RETENTION_LEASE, RETENTION_LEASE_SECONDS)

    async def one_pass(runtime: Runtime) -> None:
        pruned = await prune(runtime.engine, runtime.clock.now(), retention, lease)
        if pruned.outbox_rows or pruned.inbox_rows:
            log.info("pruned %d outbox and %d inbox rows", pruned.outbox_rows, pruned.inbox_rows)

    one_pass.__name__ = "prune_messaging_tables"
    await periodic(settings.prune_interval_seconds)(one_pass)(runtime)


async def prune(
    engine: AsyncEngine, now: datetime, retention: Retention, lease: Lease | None = None
) -> Pruned:
    """Delete every sent outbox row and inbox row past its retention, `batch_rows` per
    transaction, while holding `lease` (when given; without it, nothing guards against a
    second pruner). Returns how many rows went."""
    counts = []
    for statement, keep in ((_PRUNE_OUTBOX, retention.outbox), (_PRUNE_INBOX, retention.inbox)):
        deleted = 0
        while True:
            if lease is not None and await lease.claim() is None:
                break  # another replica prunes
            async with engine.begin() as conn:
                result = await conn.execute(
                    statement, {"cutoff": now - keep, "rows": retention.batch_rows}
                )
            deleted += result.rowcount
            if result.rowcount < retention.batch_rows:
                break
        counts.append(deleted)
    return Pruned(outbox_rows=counts[0], inbox_rows=counts[1])
