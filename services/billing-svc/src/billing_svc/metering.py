"""Usage ingestion from l2c.usage.v1: each event stored once (by its event id), filed under
the billing period of its subscription in which it occurred. The billing run rates it: events
that arrive before their period's invoice (its grace window included) are on it, later ones are
an adjustment on the next invoice."""

from __future__ import annotations

from datetime import UTC

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
