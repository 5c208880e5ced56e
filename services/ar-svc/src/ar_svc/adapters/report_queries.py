"""Reads for the receivables reports: the figures come from postings and payments, the
arithmetic from `domain.reports`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from ar_svc.adapters.tables import payments, postings, receivables
from ar_svc.domain.reports import (
    Collected,
    Granularity,
    age_receivables,
    cash_collected,
    days_sales_outstanding,
)
from l2c_runtime.unit_of_work import UnitOfWork


def _end_of(day: date) -> datetime:
    """Midnight after `day`, as a naive UTC timestamp (compared with timezone('UTC', …))."""
    return datetime.combine(day + timedelta(days=1), time())


def _scope(account_id: UUID | None) -> list[Any]:
    return [] if account_id is None else [postings.c.account_id == account_id]


async def aging_report(
    uow: UnitOfWork, as_of: date, currency: str, account_id: UUID | None
) -> dict[str, Decimal]:
    """Open invoice balances as they stood at the end of `as_of`, per aging bucket."""
    before = sa.func.timezone("UTC", postings.c.posted_at) < _end_of(as_of)
    rows = await uow.session.execute(
        sa.select(receivables.c.due_date, sa.func.sum(postings.c.amount).label("balance"))
        .join(postings, postings.c.invoice_id == receivables.c.invoice_id)
        .where(postings.c.currency == currency, before, *_scope(account_id))
        .group_by(receivables.c.invoice_id)
    )
    return age_receivables(((r.due_date, Decimal(r.balance)) for r in rows), as_of)


async def dso_report(
    uow: UnitOfWork, start: date, end: date, currency: str, account_id: UUID | None
) -> dict[str, Any]:
    """Days sales outstanding over [start, end]; see `days_sales_outstanding`."""
    posted_utc = sa.func.timezone("UTC", postings.c.posted_at)
    owed = await uow.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(postings.c.amount), 0)).where(
            postings.c.invoice_id.is_not(None),
            postings.c.currency == currency,
            posted_utc < _end_of(end),
            *_scope(account_id),
        )
    )
    sold = await uow.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(postings.c.amount), 0)).where(
            postings.c.kind == "invoice",
            postings.c.currency == currency,
            posted_utc >= _end_of(start - timedelta(days=1)),
            posted_utc < _end_of(end),
            *_scope(account_id),
        )
    )
    days = (end - start).days + 1
    ending, sales = Decimal(owed or 0), Decimal(sold or 0)
    return {
        "ending_receivables": ending,
        "credit_sales": sales,
        "days": days,
        "dso": days_sales_outstanding(ending, sales, days),
    }


async def cash_collected_report(
    uow: UnitOfWork,
    start: date,
    end: date,
    granularity: Granularity,
    currency: str,
    account_id: UUID | None,
) -> list[Collected]:
    """Cash received (successful payments, by the day they were received) per period."""
    received_on = sa.cast(sa.func.timezone("UTC", payments.c.received_at), sa.Date)
    query = sa.select(received_on.label("day"), payments.c.amount).where(
        payments.c.status == "received",
        payments.c.currency == currency,
        received_on >= start,
        received_on <= end,
    )
    if account_id is not None:
        query = query.where(payments.c.account_id == account_id)
    rows = await uow.session.execute(query)
    return cash_collected(((r.day, Decimal(r.amount)) for r in rows), start, end, granularity)
