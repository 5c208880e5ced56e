"""Retention of the outbox and inbox on a real PostgreSQL: exactly the rows past their retention
go (sent outbox rows only: pending, parked and skipped rows stay), in bounded batches until
none is left, by one pruner at a time, through indexes the deletes can use."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from l2c_platform.launcher import Infrastructure
from l2c_platform.testing import messaging_database
from l2c_runtime.housekeeping import RETENTION_LEASE, Retention, prune
from l2c_runtime.lease import Lease
from l2c_runtime.messaging_tables import inbox, outbox

pytestmark = pytest.mark.integration
DATABASE = "l2c_test_retention"
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
async def engine(infra: Infrastructure) -> AsyncIterator[AsyncEngine]:
    async with messaging_database(DATABASE) as engine:
        yield engine


def _row(state: str, age: timedelta) -> dict[str, object]:
    at = NOW - age
    return {
        "event_id": uuid4(),
        "topic": "t",
        "message_key": "k",
        "ce_type": "t",
        "headers": [],
        "payload": b"{}",
        "created_at": at,
        "state": state,
        "published_at": at if state == "sent" else None,
    }


async def _fill(engine: AsyncEngine) -> tuple[set[int], set[str]]:
    """Rows of every state and age; returns the ids of those that must stay."""
    week, day = timedelta(days=7), timedelta(days=1)
    kinds = {
        ("sent", week + day): 25,  # past retention: pruned
        ("sent", week - day): 4,
        ("pending", 3 * week): 2,  # never pruned, however old
        ("parked", 3 * week): 2,
        ("skipped", 3 * week): 2,
    }
    kept: set[int] = set()
    async with engine.begin() as conn:
        for (state, age), count in kinds.items():
            result = await conn.execute(
                sa.insert(outbox).returning(outbox.c.id),
                [_row(state, age) for _ in range(count)],
            )
            ids = {row.id for row in result}
            if not (state == "sent" and age > week):
                kept |= ids
        inbox_rows = [
            {
                "consumer": "c",
                "event_id": f"{days}-{n}",
                "ce_type": "t",
                "topic": "t",
                "partition": 0,
                "offset": n,
                "processed_at": NOW - timedelta(days=days),
            }
            for days, count in ((31, 23), (29, 3))
            for n in range(count)
        ]
        await conn.execute(sa.insert(inbox), inbox_rows)
    return kept, {row["event_id"] for row in inbox_rows if str(row["event_id"]).startswith("29")}


async def test_exactly_the_rows_past_their_retention_are_pruned_in_bounded_batches(
    engine: AsyncEngine,
) -> None:
    kept, inbox_kept = await _fill(engine)
    pruned = await prune(engine, NOW, Retention(batch_rows=10))  # three batches and a bit
    assert (pruned.outbox_rows, pruned.inbox_rows) == (25, 23)
    async with engine.connect() as conn:
        left = {row.id for row in await conn.execute(sa.select(outbox.c.id))}
        inbox_left = {row.event_id for row in await conn.execute(sa.select(inbox.c.event_id))}
    assert left == kept
    assert inbox_left == inbox_kept
    again = await prune(engine, NOW, Retention(batch_rows=10))
    assert (again.outbox_rows, again.inbox_rows) == (0, 0)


async def test_one_pruner_at_a_time(engine: AsyncEngine) -> None:
    await _fill(engine)
    holding = Lease(engine, RETENTION_LEASE, 30)
    assert await holding.claim() is not None
    other = Lease(engine, RETENTION_LEASE, 30)
    pruned = await prune(engine, NOW, Retention(batch_rows=10), other)
    assert (pruned.outbox_rows, pruned.inbox_rows) == (0, 0)  # the holder prunes
    pruned = await prune(engine, NOW, Retention(batch_rows=10), holding)
    assert (pruned.outbox_rows, pruned.inbox_rows) == (25, 23)


async def test_the_deletes_find_their_rows_through_an_index(engine: AsyncEngine) -> None:
    """Whatever the planner prefers for a table this small, an index serves each batch's
    search (with sequential scans off, a plan without one would still be a scan)."""
    plans = []
    async with engine.begin() as conn:
        await conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
        for query in (
            "SELECT ctid FROM outbox WHERE state = 'sent' AND published_at < now() LIMIT 10",
            "SELECT ctid FROM inbox WHERE processed_at < now() LIMIT 10",
        ):
            plan = (await conn.execute(sa.text(f"EXPLAIN {query}"))).scalars().all()
            plans.append("\n".join(plan))
    assert "ix_outbox_sent_at" in plans[0]
    assert "ix_inbox_processed_at" in plans[1]
