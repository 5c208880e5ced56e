"""Revenue schedules in the database: rows per document line and month, month-end closes that
emit RevenueRecognized, and the deferred-revenue waterfall report.

A closed month is final: a schedule share that falls in a month already closed (a backdated
credit, late usage) is recognised in the first open month instead (a catch-up)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from billing_svc.adapters.tables import revenue_closes, revenue_schedule, subscriptions
from billing_svc.config import usage_grace_days
from billing_svc.domain.invoicing import DraftLine
from billing_svc.domain.revenue import line_schedule, month_of
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import Money
from l2c_schemas.billing import RevenueRecognized


def next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


# Writers of schedule rows hold this advisory lock shared, a month close holds it exclusively:
# a close waits for schedules being written to commit, and a writer that starts after a close
# sees it, so no row can land in a month after the month was summed.
REVENUE_LOCK = 0x4C3243_5245  # "L2C" "RE"


async def first_open_month(uow: UnitOfWork) -> date | None:
    """The month after the last closed one (None when nothing is closed yet). Takes the shared
    revenue lock: call it before writing schedule rows, in the same transaction."""
    await uow.session.execute(sa.select(sa.func.pg_advisory_xact_lock_shared(REVENUE_LOCK)))
    last = await uow.session.scalar(sa.select(sa.func.max(revenue_closes.c.month)))
    return None if last is None else next_month(last)


def schedule_rows(
    document_id: UUID,
    sub: Any,
    billed_on: date,
    lines: list[DraftLine],
    first_open: date | None,
) -> list[dict[str, Any]]:
    """Revenue schedule rows of a document's lines (see domain.revenue for the rules)."""
    rows = []
    for line in lines:
        for month, amount in line_schedule(
            line.kind, line.amount, line.period_start, line.period_end, sub.currency
        ):
            if not amount:
                continue
            rows.append(
                {
                    "document_id": document_id,
                    "line_no": line.line_no,
                    "subscription_id": sub.id,
                    "account_id": sub.account_id,
                    "lead_id": sub.lead_id,
                    "currency": sub.currency,
                    "billed_on": billed_on,
                    "month": month if first_open is None else max(month, first_open),
                    "amount": amount,
                }
            )
    return rows


async def close_month(uow: UnitOfWork, today: date) -> date | None:
    """Close the oldest month that has ended and is not closed: one RevenueRecognized per
    subscription and currency with revenue in it. Returns the month closed, if any. A month
    waits while the billing run still owes invoices due in it (after a clock jump), so its
    revenue is complete when it closes."""
    await uow.session.execute(sa.select(sa.func.pg_advisory_xact_lock(REVENUE_LOCK)))
    first_open = await first_open_month(uow)
    if first_open is None:
        first_open = await uow.session.scalar(sa.select(sa.func.min(revenue_schedule.c.month)))
        if first_open is None:
            return None
    if next_month(first_open) > today:
        return None  # the month has not ended yet
    month_end = next_month(first_open) - timedelta(days=1)
    billing_behind = await uow.session.scalar(
        sa.select(
            sa.exists().where(
                subscriptions.c.status == "active",
                subscriptions.c.next_period_start
                <= min(month_end, today - timedelta(days=usage_grace_days())),
            )
        )
    )
    if billing_behind:
        return None  # invoices due in the month are not issued yet (the run is catching up)
    claimed = await uow.session.execute(
        sa.text(
            "INSERT INTO revenue_closes (month, closed_at) VALUES (:m, :at)"
            " ON CONFLICT DO NOTHING RETURNING month"
        ),
        {"m": first_open, "at": uow.clock.now()},
    )
    if claimed.first() is None:
        return None  # another replica closed it
    r = revenue_schedule
    rows = await uow.session.execute(
        sa.select(r.c.subscription_id, r.c.currency, sa.func.sum(r.c.amount).label("amount"))
        .where(r.c.month == first_open)
        .group_by(r.c.subscription_id, r.c.currency)
        .order_by(r.c.subscription_id)
    )
    totals = list(rows)
    subs = {
        s.id: s
        for s in await uow.session.execute(
            sa.select(
                subscriptions.c.id,
                subscriptions.c.lead_id,
                subscriptions.c.account_id,
                subscriptions.c.traceparent,
            ).where(subscriptions.c.id.in_([t.subscription_id for t in totals]))
        )
    }
    now = uow.clock.now()
    events: list[tuple[Any, str | None]] = []
    for t in totals:
        sub = subs[t.subscription_id]
        event = RevenueRecognized(
            lead_id=sub.lead_id,
            account_id=sub.account_id,
            subscription_id=sub.id,
            month=first_open,
            amount=Money(amount=t.amount, currency=t.currency),
            recognized_at=now,
        )
        events.append((event, sub.traceparent))
    await uow.emit_many(events)
    return first_open


async def deferred_revenue(
    uow: UnitOfWork, first: date, last: date, currency: str
) -> list[dict[str, Any]]:
    """The waterfall by month: deferred at the start, billed in the month, recognised in it,
    deferred at the end (= start + billed − recognised). Billed amounts count in the month of
    the document's date. A negative balance is revenue recognised before it was billed (usage
    invoiced in arrears: an unbilled receivable)."""
    r = revenue_schedule
    billed_month = sa.func.date_trunc("month", r.c.billed_on).cast(sa.Date)
    billed = defaultdict(
        Decimal,
        {
            row.m: row.amount
            for row in await uow.session.execute(
                sa.select(billed_month.label("m"), sa.func.sum(r.c.amount).label("amount"))
                .where(r.c.currency == currency)
                .group_by(billed_month)
            )
        },
    )
    recognised = defaultdict(
        Decimal,
        {
            row.month: row.amount
            for row in await uow.session.execute(
                sa.select(r.c.month, sa.func.sum(r.c.amount).label("amount"))
                .where(r.c.currency == currency)
                .group_by(r.c.month)
            )
        },
    )
    opening = sum((v for m, v in billed.items() if m < first), Decimal(0)) - sum(
        (v for m, v in recognised.items() if m < first), Decimal(0)
    )
    report = []
    month = month_of(first)
    while month <= last:
        closing = opening + billed[month] - recognised[month]
        report.append(
            {
                "month": month.strftime("%Y-%m"),
                "currency": currency,
                "opening_deferred": opening,
                "billed": billed[month],
                "recognized": recognised[month],
                "closing_deferred": closing,
            }
        )
        opening = closing
        month = next_month(month)
    return report


async def reverse_schedule(uow: UnitOfWork, document_id: UUID, on: date) -> None:
    """Undo a voided document's revenue: the mirror of each of its schedule rows, in the same
    month, or in the first open month when that month is closed already."""
    first_open = await first_open_month(uow)
    r = revenue_schedule
    rows = await uow.session.execute(sa.select(r).where(r.c.document_id == document_id))
    mirrored = [
        {
            **{k: v for k, v in row._mapping.items() if k != "id"},
            "amount": -row.amount,
            "billed_on": on,
            "month": row.month if first_open is None else max(row.month, first_open),
        }
        for row in rows
    ]
    if mirrored:
        await uow.session.execute(sa.insert(r), mirrored)
