"""Following free trials: TrialEnding a few days before a trial's end, TrialEnded after it,
and the first paid period invoiced on the first paid day (billed in advance).

Claimed with FOR UPDATE SKIP LOCKED, so replicas share the work; each notice is sent once
(its time is stored on the subscription in the transaction that emits it)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from billing_svc.adapters.tables import subscriptions
from billing_svc.domain.trial import ending_notice_due, first_charge_date
from billing_svc.handlers.billing_run import bill_subscriptions
from billing_svc.handlers.subscription_events import about, tell
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.billing import TrialEnded, TrialEnding


async def claim_trials(
    uow: UnitOfWork, today: date, notice_days: int, limit: int
) -> list[Row[Any]]:
    """Active subscriptions in a trial with a notice due today: TrialEnding not sent and its
    day come, or the trial over and TrialEnded not sent; locked, others' rows skipped."""
    c = subscriptions.c
    query = (
        sa.select(subscriptions)
        .where(
            c.status == "active",
            c.trial_end.is_not(None),
            c.trial_ended_at.is_(None),
            c.trial_end <= today + timedelta(days=max(notice_days - 1, 0)),
            sa.or_(c.trial_ending_notified_at.is_(None), c.trial_end < today),
        )
        .order_by(c.trial_end, c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await uow.session.execute(query)).all())


async def follow_trials(uow: UnitOfWork, notice_days: int, limit: int) -> int:
    """Send the trial notices due today for up to `limit` subscriptions, and invoice the first
    paid period of each trial that ended (in advance: on its first paid day). Returns how many
    subscriptions were handled."""
    now = uow.clock.now()
    today = now.date()
    claimed = await claim_trials(uow, today, notice_days, limit)
    to_bill: list[Row[Any]] = []
    for sub in claimed:
        values: dict[str, datetime] = {}
        if sub.trial_ending_notified_at is None:
            values["trial_ending_notified_at"] = now
            if ending_notice_due(sub.trial_end, notice_days, today):
                await tell(uow, sub, _ending(sub, now))
        if sub.trial_end < today:
            values["trial_ended_at"] = now
            await tell(uow, sub, _ended(sub, now))
            if sub.billing_timing == "in_advance" and sub.next_period_start <= today:
                to_bill.append(sub)
        await uow.session.execute(
            sa.update(subscriptions).where(subscriptions.c.id == sub.id).values(**values)
        )
    await _bill_due(uow, to_bill, today)
    return len(claimed)


async def _bill_due(uow: UnitOfWork, subs: list[Row[Any]], today: date) -> None:
    """Invoice every period of these (locked) subscriptions billed by today: after a trial
    longer than a period, the periods it covered and the one it ends in are all due on the
    first paid day."""
    while subs:
        await bill_subscriptions(uow, subs)
        due = sa.select(subscriptions).where(
            subscriptions.c.id.in_([s.id for s in subs]),
            subscriptions.c.status == "active",
            subscriptions.c.next_period_start <= today,
        )
        subs = list((await uow.session.execute(due)).all())


def _ending(sub: Row[Any], now: datetime) -> TrialEnding:
    return TrialEnding(
        **about(sub),
        trial_end=sub.trial_end,
        first_charge_date=first_charge_date(sub.trial_end),
        payment_method_required=sub.trial_requires_payment_method,
        notified_at=now,
    )


def _ended(sub: Row[Any], now: datetime) -> TrialEnded:
    return TrialEnded(
        **about(sub),
        trial_end=sub.trial_end,
        first_charge_date=first_charge_date(sub.trial_end),
        ended_at=now,
    )
