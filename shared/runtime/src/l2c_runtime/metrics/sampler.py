"""The gauges a scrape must not compute: outbox backlog and age, parked rows, table sizes
(one bounded database query) and consumer lag (from the consumers' own fetch state, no
broker round trip). Refreshed every `L2C_METRICS_SAMPLE_SECONDS` by one task per process,
whatever the number of scrapes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from aiokafka import TopicPartition
from sqlalchemy.ext.asyncio import AsyncEngine

from l2c_runtime.clock import Clock
from l2c_runtime.metrics import ServiceMetrics

log = logging.getLogger(__name__)

COUNT_CAP = 100_000
"""Pending and parked rows are counted up to this many (an index scan of at most this many
entries); a larger backlog reads as the cap, and its age tells the rest."""
STATEMENT_TIMEOUT_MS = 5000

# States as literals (not parameters), so the partial indexes on pending and parked rows apply.
_SAMPLE = sa.text(
    "SELECT"
    " (SELECT count(*) FROM (SELECT 1 FROM outbox WHERE state = 'pending' LIMIT :cap) p)"
    "   AS pending,"
    " (SELECT created_at FROM outbox WHERE state = 'pending' ORDER BY id LIMIT 1) AS oldest,"
    " (SELECT count(*) FROM (SELECT 1 FROM outbox WHERE state = 'parked' LIMIT :cap) k)"
    "   AS parked,"
    " (SELECT n_live_tup FROM pg_stat_user_tables WHERE relid = 'outbox'::regclass)"
    "   AS outbox_rows,"
    " (SELECT n_live_tup FROM pg_stat_user_tables WHERE relid = 'inbox'::regclass)"
    "   AS inbox_rows"
)


async def sample_messaging_tables(
    metrics: ServiceMetrics, engine: AsyncEngine, clock: Clock
) -> None:
    async with engine.begin() as conn:
        await conn.execute(sa.text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
        row = (await conn.execute(_SAMPLE, {"cap": COUNT_CAP})).one()
    metrics.outbox_pending.set(row.pending)
    metrics.outbox_parked.set(row.parked)
    metrics.outbox_oldest_pending_age.set(_age_seconds(row.oldest, clock.now()))
    metrics.table_rows.labels("outbox").set(row.outbox_rows or 0)
    metrics.table_rows.labels("inbox").set(row.inbox_rows or 0)


def _age_seconds(oldest: datetime | None, now: datetime) -> float:
    return 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())


async def sample_consumer_lag(
    metrics: ServiceMetrics, group: str, consumers: Iterable[Any], known: set[tuple[str, ...]]
) -> None:
    """Set the lag of every partition assigned to `consumers` (aiokafka consumers) and drop
    the series of partitions no longer assigned here. `known` carries the label sets of the
    last sample from one call to the next."""
    seen: set[tuple[str, ...]] = set()
    for consumer in consumers:
        for partition in consumer.assignment():
            lag = await _lag(consumer, partition)
            if lag is None:
                continue
            labels = (group, partition.topic, str(partition.partition))
            metrics.consumer_lag.labels(*labels).set(lag)
            seen.add(labels)
    for gone in known - seen:
        metrics.consumer_lag.remove(*gone)
    known.clear()
    known.update(seen)


async def _lag(consumer: Any, partition: TopicPartition) -> int | None:
    highwater = consumer.highwater(partition)  # from the last fetch response
    if highwater is None:
        return None  # nothing fetched yet
    try:
        position = await asyncio.wait_for(consumer.position(partition), 2.0)
    except Exception:  # revoked meanwhile, or being reset: next time
        return None
    return max(0, int(highwater) - int(position))


async def sample_forever(
    metrics: ServiceMetrics,
    engine: AsyncEngine,
    clock: Clock,
    interval: float,
    group: str | None = None,
    consumers: Callable[[], Iterable[Any]] = tuple,
) -> None:
    """Sample until cancelled. A failed sampling (the database away) is counted and logged,
    and the gauges keep their last values until the next one succeeds."""
    known: set[tuple[str, ...]] = set()
    while True:
        try:
            await sample_messaging_tables(metrics, engine, clock)
        except Exception as exc:
            metrics.sample_failures.inc()
            log.warning("sampling the outbox and inbox for metrics failed: %s", exc)
        if group is not None:
            await sample_consumer_lag(metrics, group, consumers(), known)
        await asyncio.sleep(interval)
