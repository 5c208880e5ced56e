"""billing-svc's configuration and listings read or written by the setup API: tax rates,
account jurisdictions, usage plans, credit notes and revenue schedules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import RowMapping

from billing_svc.adapters.tables import (
    account_tax_jurisdictions,
    credit_notes,
    revenue_schedule,
    tax_rates,
    usage_plans,
)
from l2c_runtime.http.params import Page
from l2c_runtime.unit_of_work import UnitOfWork


async def put_tax_rate(uow: UnitOfWork, jurisdiction: str, rate: Decimal, name: str) -> None:
    await uow.session.execute(
        pg_insert(tax_rates)
        .values(jurisdiction=jurisdiction, rate=rate, name=name)
        .on_conflict_do_update(index_elements=["jurisdiction"], set_={"rate": rate, "name": name})
    )


async def put_account_jurisdiction(uow: UnitOfWork, account_id: UUID, jurisdiction: str) -> None:
    await uow.session.execute(
        pg_insert(account_tax_jurisdictions)
        .values(account_id=account_id, jurisdiction=jurisdiction)
        .on_conflict_do_update(index_elements=["account_id"], set_={"jurisdiction": jurisdiction})
    )


async def put_usage_plan(
    uow: UnitOfWork, metric: str, currency: str, values: dict[str, Any]
) -> None:
    await uow.session.execute(
        pg_insert(usage_plans)
        .values(metric=metric, currency=currency, **values)
        .on_conflict_do_update(index_elements=["metric", "currency"], set_=values)
    )


async def credit_note_rows(
    uow: UnitOfWork, page: Page, subscription_id: UUID | None, account_id: UUID | None
) -> list[RowMapping]:
    """Credit notes in the order they were issued."""
    query = (
        sa.select(credit_notes)
        .order_by(credit_notes.c.issued_at, credit_notes.c.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    if subscription_id is not None:
        query = query.where(credit_notes.c.subscription_id == subscription_id)
    if account_id is not None:
        query = query.where(credit_notes.c.account_id == account_id)
    return [row._mapping for row in (await uow.session.execute(query)).all()]


async def revenue_schedule_rows(
    uow: UnitOfWork, page: Page, document_id: UUID | None, subscription_id: UUID | None
) -> list[RowMapping]:
    """Scheduled revenue rows of a document, a subscription or both, by document, line, month."""
    r = revenue_schedule
    query = sa.select(r.c.document_id, r.c.line_no, r.c.month, r.c.amount, r.c.currency)
    if document_id is not None:
        query = query.where(r.c.document_id == document_id)
    if subscription_id is not None:
        query = query.where(r.c.subscription_id == subscription_id)
    ordered = query.order_by(r.c.document_id, r.c.line_no, r.c.month)
    rows = (await uow.session.execute(ordered.limit(page.limit).offset(page.offset))).all()
    return [row._mapping for row in rows]
