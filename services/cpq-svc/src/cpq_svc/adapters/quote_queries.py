"""Reads of cpq-svc's quotes for the API: the versions of an opportunity, an approval's audit
trail and the quoting metrics."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from cpq_svc.adapters.tables import approval_audit, quotes
from l2c_runtime.auth import Principal
from l2c_runtime.auth.records import visible_records
from l2c_runtime.http.params import Page
from l2c_runtime.unit_of_work import UnitOfWork


async def quote_ids_of_opportunity(
    uow: UnitOfWork, opportunity_id: UUID, caller: Principal, page: Page
) -> list[UUID]:
    """The caller's visible quote versions of an opportunity, oldest first."""
    ids = await uow.session.scalars(
        sa.select(quotes.c.id)
        .where(quotes.c.opportunity_id == opportunity_id)
        .where(visible_records(caller, quotes.c.owner, quotes.c.team))
        .order_by(quotes.c.version)
        .limit(page.limit)
        .offset(page.offset)
    )
    return list(ids.all())


async def approval_audit_rows(uow: UnitOfWork, quote_id: UUID) -> list[RowMapping]:
    rows = await uow.session.execute(
        sa.select(approval_audit)
        .where(approval_audit.c.quote_id == quote_id)
        .order_by(approval_audit.c.id)
    )
    return [row._mapping for row in rows]


async def quote_metric_totals(uow: UnitOfWork) -> tuple[Any, ...]:
    """Count, average and largest generation time, opportunities quoted, quotes above their
    policy limit, average discretionary discount and the largest policy limit."""
    q = quotes.c
    totals = (
        await uow.session.execute(
            sa.select(
                sa.func.count(),
                sa.func.avg(q.generation_ms),
                sa.func.max(q.generation_ms),
                sa.func.count(sa.distinct(q.opportunity_id)),
                sa.func.count().filter(q.discretionary_percent > q.policy_limit_percent),
                sa.func.avg(q.discretionary_percent),
                sa.func.max(q.policy_limit_percent),
            )
        )
    ).one()
    return tuple(totals)
