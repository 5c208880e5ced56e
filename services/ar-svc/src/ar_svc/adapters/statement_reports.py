"""Queries of imported bank statements: the list, a statement's totals per status and its
lines page by page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa

from ar_svc.adapters.tables import bank_statement_lines as lines_table
from ar_svc.adapters.tables import bank_statements
from l2c_runtime.errors import NotFound
from l2c_runtime.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class StatementRow:
    statement_id: str
    format: str
    bank_account: str | None
    imported_at: datetime
    imported_by: str
    lines: int


@dataclass(frozen=True)
class StatusTotals:
    status: str
    lines: int
    amount: Decimal
    applied: Decimal
    unapplied: Decimal

    def figures(self) -> dict[str, int | Decimal]:
        return {
            "lines": self.lines,
            "amount": self.amount,
            "applied": self.applied,
            "unapplied": self.unapplied,
        }


@dataclass(frozen=True)
class LineRow:
    entry_reference: str
    booking_date: date
    amount: Decimal
    currency: str
    direction: str
    payer_name: str | None
    payer_account: str | None
    reference: str | None
    status: str
    method: str
    account_id: UUID | None
    payment_id: UUID | None
    invoice_number: str | None
    invoice_balance: Decimal | None
    applied: Decimal
    unapplied: Decimal


async def statements(uow: UnitOfWork, limit: int, offset: int) -> list[StatementRow]:
    count = (
        sa.select(sa.func.count())
        .where(lines_table.c.statement_id == bank_statements.c.statement_id)
        .scalar_subquery()
    )
    rows = await uow.session.execute(
        sa.select(
            bank_statements.c.statement_id,
            bank_statements.c.format,
            bank_statements.c.bank_account,
            bank_statements.c.imported_at,
            bank_statements.c.imported_by,
            count.label("lines"),
        )
        .order_by(bank_statements.c.imported_at.desc(), bank_statements.c.statement_id)
        .limit(limit)
        .offset(offset)
    )
    return [StatementRow(*r) for r in rows]


async def totals(uow: UnitOfWork, statement_id: str) -> list[StatusTotals]:
    known = await uow.session.scalar(
        sa.select(bank_statements.c.statement_id).where(
            bank_statements.c.statement_id == statement_id
        )
    )
    if known is None:
        raise NotFound(f"bank statement {statement_id} was never imported")
    rows = await uow.session.execute(
        sa.select(
            lines_table.c.status,
            sa.func.count(),
            sa.func.sum(lines_table.c.amount),
            sa.func.sum(lines_table.c.applied),
            sa.func.sum(lines_table.c.unapplied),
        )
        .where(lines_table.c.statement_id == statement_id)
        .group_by(lines_table.c.status)
        .order_by(lines_table.c.status)
    )
    return [StatusTotals(*r) for r in rows]


async def lines(
    uow: UnitOfWork, statement_id: str, status: str | None, limit: int, offset: int
) -> list[LineRow]:
    columns = [lines_table.c[name] for name in LineRow.__dataclass_fields__]
    query = (
        sa.select(*columns)
        .where(lines_table.c.statement_id == statement_id)
        .order_by(lines_table.c.id)
        .limit(limit)
        .offset(offset)
    )
    if status is not None:
        query = query.where(lines_table.c.status == status)
    return [LineRow(*r) for r in await uow.session.execute(query)]
