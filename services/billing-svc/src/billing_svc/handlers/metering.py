"""Usage ingestion from l2c.usage.v1: each event stored once (by its event id), filed under
the billing period of its subscription in which it occurred. The billing run rates it: events
that arrive before their period's invoice (its grace window included) are on it, later ones are
an adjustment on the next invoice."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_json
from sqlalchemy.dialects.postgresql import insert as pg_insert

from billing_svc.adapters.tables import subscriptions, usage_pending
from billing_svc.domain.calendar import period_index_of, service_period
from l2c_runtime.errors import NotFound, RuleViolation
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.billing import UsageRecorded
from l2c_schemas.periods import months_in

log = logging.getLogger(__name__)


async def record_usage(event: UsageRecorded, uow: UnitOfWork) -> bool:
    """Store a usage event; False when its event id was seen before."""
    return await record_usage_many([event], uow) == 1


async def record_usage_many(events: Sequence[UsageRecorded], uow: UnitOfWork) -> int:
    """Store a run of usage events with one subscription lookup and one insert; returns how
    many were new (an event id seen before is skipped). Usage addressed to an account that
    has no subscription yet waits in `usage_pending` (see `file_pending_usage`). Raises on
    the first event that cannot be stored (an unknown subscription id, a negative quantity),
    and then nothing of the run is stored: the consumer handles the run again one event at
    a time, so only that event goes to the dead-letter topic."""
    for event in events:
        if event.quantity < 0:
            raise RuleViolation("usage quantities cannot be negative")
    by_id, by_account = await _subscriptions_of(events, uow)
    periods = []
    period_starts: dict[tuple[Any, date], date] = {}  # a run's events share a few days
    waiting = [e for e in events if e.subscription_id is None and e.account_id not in by_account]
    await _keep_until_subscribed(waiting, uow)
    events = [e for e in events if e.subscription_id is not None or e.account_id in by_account]
    for event in events:
        sub = (
            by_id.get(event.subscription_id)
            if event.subscription_id is not None
            else by_account[event.account_id]
        )
        if sub is None:  # subscription ids are billing's own: an unknown one is wrong
            raise NotFound(f"no subscription {event.subscription_id}")
        day = _utc(event.occurred_at).date()
        start = period_starts.get((sub.id, day))
        if start is None:
            start = period_starts[sub.id, day] = _period_start(sub, day)
        periods.append((sub.id, start))
    if not events:
        return 0
    rows = [
        {
            "e": e.event_id,
            "s": sub_id,
            "m": e.metric,
            "q": e.quantity,
            "k": e.unique_key,
            "o": _utc(e.occurred_at),
            "p": start,
        }
        for e, (sub_id, start) in zip(events, periods, strict=True)
    ]
    inserted = await uow.session.execute(
        _INSERT_USAGE, {"received_at": uow.clock.now(), "rows": to_json(rows).decode()}
    )
    return int(inserted.rowcount)  # type: ignore[attr-defined]


def _utc(moment: datetime) -> datetime:
    """A usage time in UTC; one without an offset is UTC (as asyncpg stored it), whatever the
    host's or the database's time zone — for its period and for the stored value alike."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _keep_until_subscribed(events: Sequence[UsageRecorded], uow: UnitOfWork) -> None:
    """Usage of accounts without a subscription yet (it can arrive before the order that
    creates one, on another topic): kept in `usage_pending`, once per event id."""
    if not events:
        return
    log.info("%d usage events wait for their account's subscription", len(events))
    await uow.session.execute(
        pg_insert(usage_pending)
        .values(
            [
                {
                    "event_id": e.event_id,
                    "account_id": e.account_id,
                    "metric": e.metric,
                    "quantity": e.quantity,
                    "unique_key": e.unique_key,
                    "occurred_at": e.occurred_at,
                    "received_at": uow.clock.now(),
                }
                for e in events
            ]
        )
        .on_conflict_do_nothing()
    )


async def file_pending_usage(account_id: Any, uow: UnitOfWork) -> int:
    """The account's subscription now exists: file the usage that waited for it (in the
    subscription's periods, by when it occurred). Returns how many were filed."""
    claimed = await uow.session.execute(
        sa.delete(usage_pending)
        .where(usage_pending.c.account_id == account_id)
        .returning(*usage_pending.c)
    )
    events = [
        UsageRecorded(
            event_id=row.event_id,
            account_id=row.account_id,
            metric=row.metric,
            quantity=row.quantity,
            unique_key=row.unique_key,
            occurred_at=row.occurred_at,
        )
        for row in claimed
    ]
    return await record_usage_many(events, uow) if events else 0


def _period_start(sub: Any, day: date) -> date:
    """The first day of the subscription's billing period that contains `day`."""
    months = months_in(sub.billing_period)
    index = period_index_of(sub.start_date, months, day)
    return service_period(sub.start_date, months, index).start


async def _subscriptions_of(
    events: Sequence[UsageRecorded], uow: UnitOfWork
) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """The subscriptions the events name: by id, and for events that name only an account,
    the account's current one (active first, then the latest started)."""
    columns = (
        subscriptions.c.id,
        subscriptions.c.account_id,
        subscriptions.c.start_date,
        subscriptions.c.billing_period,
    )
    ids = {e.subscription_id for e in events if e.subscription_id is not None}
    accounts = {e.account_id for e in events if e.subscription_id is None}
    by_id: dict[Any, Any] = {}
    by_account: dict[Any, Any] = {}
    if ids:
        found = await uow.session.execute(sa.select(*columns).where(subscriptions.c.id.in_(ids)))
        by_id = {row.id: row for row in found}
    if accounts:
        found = await uow.session.execute(
            sa.select(*columns)
            .where(subscriptions.c.account_id.in_(accounts))
            .distinct(subscriptions.c.account_id)
            .order_by(
                subscriptions.c.account_id,
                (subscriptions.c.status == "active").desc(),
                subscriptions.c.start_date.desc(),
            )
        )
        by_account = {row.account_id: row for row in found}
    return by_id, by_account


# One statement text for any number of events (arrays unnested by the server).
_INSERT_USAGE = sa.text(
    "INSERT INTO usage_events (event_id, subscription_id, metric, quantity, unique_key,"
    " occurred_at, period_start, received_at)"
    " SELECT e, s, m, q, k, o, p, :received_at FROM json_to_recordset(CAST(:rows AS json))"
    " AS u(e text, s uuid, m text, q numeric, k text, o timestamptz, p date)"
    " ON CONFLICT DO NOTHING"
)
"""A run's rows travel as one JSON text (encoded in Rust by pydantic-core, parsed by
PostgreSQL in C): as seven arrays, asyncpg's per-element encoding cost 6 µs per event.
Quantities are JSON strings (Decimal as text) read as numeric: exact."""
