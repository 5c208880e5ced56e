"""Usage ingestion from l2c.usage.v1: each event stored once (by its event id), filed under
the billing period of its subscription in which it occurred. The billing run rates it: events
that arrive before their period's invoice (its grace window included) are on it, later ones are
an adjustment on the next invoice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from billing_svc.adapters.tables import subscriptions, usage_events
from billing_svc.domain.calendar import period_index_of, service_period
from l2c_runtime.errors import NotFound, RuleViolation
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.billing import UsageRecorded
from l2c_schemas.periods import months_in


async def record_usage(event: UsageRecorded, uow: UnitOfWork) -> bool:
    """Store a usage event; False when its event id was seen before."""
    query = sa.select(
        subscriptions.c.id, subscriptions.c.start_date, subscriptions.c.billing_period
    )
    if event.subscription_id is not None:
        query = query.where(subscriptions.c.id == event.subscription_id)
    else:
        query = (
            query.where(subscriptions.c.account_id == event.account_id)
            .order_by(
                (subscriptions.c.status == "active").desc(), subscriptions.c.start_date.desc()
            )
            .limit(1)
        )
    sub = (await uow.session.execute(query)).first()
    if sub is None:
        raise NotFound(
            f"no subscription {event.subscription_id or f'for account {event.account_id}'}"
        )
    if event.quantity < 0:
        raise RuleViolation("usage quantities cannot be negative")
    day = event.occurred_at.astimezone(UTC).date()
    months = months_in(sub.billing_period)
    period = service_period(sub.start_date, months, period_index_of(sub.start_date, months, day))
    inserted = await uow.session.execute(
        pg_insert(usage_events)
        .values(
            event_id=event.event_id,
            subscription_id=sub.id,
            metric=event.metric,
            quantity=event.quantity,
            unique_key=event.unique_key,
            occurred_at=event.occurred_at,
            period_start=period.start,
            received_at=uow.clock.now(),
        )
        .on_conflict_do_nothing()
        .returning(usage_events.c.event_id)
    )
    return inserted.first() is not None


@dataclass(frozen=True)
class ReceivedUsage:
    """One consumed usage record: its CloudEvents id and place on the topic, and the event."""

    ce_id: str
    topic: str
    partition: int
    offset: int
    event: UsageRecorded


async def record_usage_batch(
    consumer: str, batch: list[ReceivedUsage], uow: UnitOfWork
) -> list[tuple[ReceivedUsage, str]]:
    """Store many usage records in one transaction, with their inbox rows: what a batch-capable
    consumer runtime would call (see the usage_ingest bench). Duplicates (by CloudEvents id in
    the inbox, by usage event id in the table) are skipped. Returns the records that can never
    be stored, with the reason, for the dead-letter topic."""
    if not batch:
        return []
    now = uow.clock.now()
    driver = await _driver(uow)
    # One statement per table whatever the batch size: arrays unnested server-side.
    fresh = {
        row[0]
        for row in await driver.fetch(
            'INSERT INTO inbox (consumer, event_id, ce_type, topic, partition, "offset",'
            " processed_at) SELECT $1, e, $2, t, p, o, $3"
            " FROM unnest($4::text[], $5::text[], $6::int[], $7::bigint[]) AS u(e, t, p, o)"
            " ON CONFLICT DO NOTHING RETURNING event_id",
            consumer,
            UsageRecorded.ce_type,
            now,
            [r.ce_id for r in batch],
            [r.topic for r in batch],
            [r.partition for r in batch],
            [r.offset for r in batch],
        )
    }
    todo = [r for r in batch if r.ce_id in fresh]
    by_id = {
        s.id: s
        for s in await uow.session.execute(
            sa.select(
                subscriptions.c.id, subscriptions.c.start_date, subscriptions.c.billing_period
            ).where(subscriptions.c.id.in_({r.event.subscription_id for r in todo}))
        )
    }
    rows, rejected = [], []
    for r in todo:
        sub = by_id.get(r.event.subscription_id) if r.event.subscription_id else None
        if sub is None:
            # Account-addressed usage takes the one-by-one path (its subscription lookup).
            try:
                if await record_usage(r.event, uow):
                    continue
            except RuleViolation as exc:
                rejected.append((r, str(exc)))
            continue
        if r.event.quantity < 0:
            rejected.append((r, "usage quantities cannot be negative"))
            continue
        months = months_in(sub.billing_period)
        day = r.event.occurred_at.astimezone(UTC).date()
        start = service_period(sub.start_date, months, period_index_of(sub.start_date, months, day))
        rows.append(
            {
                "event_id": r.event.event_id,
                "subscription_id": sub.id,
                "metric": r.event.metric,
                "quantity": r.event.quantity,
                "unique_key": r.event.unique_key,
                "occurred_at": r.event.occurred_at,
                "period_start": start.start,
            }
        )
    if rows:
        await driver.execute(
            "INSERT INTO usage_events (event_id, subscription_id, metric, quantity, unique_key,"
            " occurred_at, period_start, received_at)"
            " SELECT e, s, m, q, k, o, p, $1 FROM unnest($2::text[], $3::uuid[], $4::text[],"
            " $5::numeric[], $6::text[], $7::timestamptz[], $8::date[]) AS u(e, s, m, q, k, o, p)"
            " ON CONFLICT DO NOTHING",
            now,
            *[[row[c] for row in rows] for c in _USAGE_COLUMNS],
        )
    return rejected


_USAGE_COLUMNS = (
    "event_id",
    "subscription_id",
    "metric",
    "quantity",
    "unique_key",
    "occurred_at",
    "period_start",
)


async def _driver(uow: UnitOfWork) -> Any:
    """The asyncpg connection under the unit of work's transaction."""
    connection = await uow.session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection
