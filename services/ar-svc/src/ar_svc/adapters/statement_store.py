"""The SQL of bank statement imports, set-wise: every query takes all the lines' keys at once
(arrays unnested by the server), so an import costs a handful of round trips whatever its
size, and the rows it adds go in by COPY (`UnitOfWork.copy_rows`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ar_svc.adapters.tables import (
    bank_statement_lines,
    bank_statements,
    delinquencies,
    payer_accounts,
    postings,
    receivables,
)
from ar_svc.domain.statement_matching import KnownInvoice
from l2c_runtime.errors import NotFound
from l2c_runtime.unit_of_work import UnitOfWork


def _any(values: Sequence[Any], item: Any) -> Any:
    """`= ANY(:array)`: one bound array, however many values (IN would bind each)."""
    return sa.func.any(sa.bindparam(None, list(values), type_=ARRAY(item)))


@dataclass(frozen=True)
class OpenReceivable:
    invoice_id: UUID
    invoice_number: str
    account_id: UUID
    currency: str
    lead_id: UUID
    traceparent: str | None
    amount: Decimal
    issue_date: date
    balance: Decimal


@dataclass(frozen=True)
class Journey:
    lead_id: UUID
    traceparent: str | None


async def claim_statement(
    uow: UnitOfWork,
    statement_id: str,
    fmt: str,
    bank_account: str | None,
    actor: str,
    references: Sequence[str],
) -> set[str]:
    """Hold the statement until commit (two imports of one file run one after the other),
    record it if it is new, and return which of these entry references it already has."""
    key = sa.func.hashtextextended("bank-statement:" + statement_id, 0)
    await uow.session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
    await uow.session.execute(
        pg_insert(bank_statements)
        .values(
            statement_id=statement_id,
            format=fmt,
            bank_account=bank_account,
            imported_at=uow.clock.now(),
            imported_by=actor,
        )
        .on_conflict_do_nothing(index_elements=["statement_id"])
    )
    seen = await uow.session.scalars(
        sa.select(bank_statement_lines.c.entry_reference).where(
            bank_statement_lines.c.statement_id == statement_id,
            bank_statement_lines.c.entry_reference == _any(sorted(set(references)), sa.Text),
        )
    )
    return set(seen)


async def invoices_numbered(uow: UnitOfWork, numbers: Iterable[str]) -> dict[str, KnownInvoice]:
    """The issued invoices among these numbers, whatever their state."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    rows = await uow.session.execute(
        sa.select(
            receivables.c.invoice_id,
            receivables.c.invoice_number,
            receivables.c.account_id,
            receivables.c.currency,
        ).where(receivables.c.invoice_number == _any(wanted, sa.Text))
    )
    return {r.invoice_number: KnownInvoice(*r) for r in rows}


async def known_payers(uow: UnitOfWork, bank_accounts: Iterable[str]) -> dict[str, UUID]:
    wanted = sorted(set(bank_accounts))
    if not wanted:
        return {}
    rows = await uow.session.execute(
        sa.select(payer_accounts.c.bank_account, payer_accounts.c.account_id).where(
            payer_accounts.c.bank_account == _any(wanted, sa.Text)
        )
    )
    return {r.bank_account: r.account_id for r in rows}


async def learn_payers(uow: UnitOfWork, learnt: dict[str, UUID]) -> None:
    """Remember payers' bank accounts; the first customer an account was learnt for stays."""
    if not learnt:
        return
    ordered = sorted(learnt.items())
    await uow.session.execute(
        sa.text(
            "INSERT INTO payer_accounts (bank_account, account_id, learnt_at)"
            " SELECT b, a, :now FROM unnest(CAST(:banks AS text[]), CAST(:accounts AS uuid[]))"
            " AS p(b, a) ON CONFLICT (bank_account) DO NOTHING"
        ),
        {
            "banks": [b for b, _ in ordered],
            "accounts": [a for _, a in ordered],
            "now": uow.clock.now(),
        },
    )


async def lock_accounts(uow: UnitOfWork, account_ids: Iterable[UUID]) -> None:
    """`ledger_store.lock_account` for many accounts in one statement, in the order of their
    lock keys so that two such statements never wait on each other in a circle."""
    ids = sorted({str(a) for a in account_ids})
    if not ids:
        return
    await uow.session.execute(
        sa.text(
            "SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(a, 0) AS k"
            " FROM unnest(CAST(:ids AS text[])) AS a ORDER BY 1) AS keys"
        ),
        {"ids": ids},
    )


async def open_receivables_of(uow: UnitOfWork, account_ids: Iterable[UUID]) -> list[OpenReceivable]:
    """The accounts' open receivables with their balances (the sums of their postings),
    oldest first. Read after `lock_accounts`."""
    ids = sorted(set(account_ids))
    if not ids:
        return []
    balance = sa.func.sum(postings.c.amount).label("balance")
    rows = await uow.session.execute(
        sa.select(
            receivables.c.invoice_id,
            receivables.c.invoice_number,
            receivables.c.account_id,
            receivables.c.currency,
            receivables.c.lead_id,
            receivables.c.traceparent,
            receivables.c.amount,
            receivables.c.issue_date,
            balance,
        )
        .join(postings, postings.c.invoice_id == receivables.c.invoice_id)
        .where(
            receivables.c.account_id == _any(ids, sa.Uuid),
            receivables.c.status == "open",
        )
        .group_by(receivables.c.invoice_id)
        .order_by(receivables.c.issue_date, receivables.c.invoice_number)
    )
    return [OpenReceivable(*r) for r in rows]


async def latest_journeys(uow: UnitOfWork, account_ids: Iterable[UUID]) -> dict[UUID, Journey]:
    """Each account's latest receivable's journey (for cash of an account with none open)."""
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    rows = await uow.session.execute(
        sa.select(receivables.c.account_id, receivables.c.lead_id, receivables.c.traceparent)
        .distinct(receivables.c.account_id)
        .where(receivables.c.account_id == _any(ids, sa.Uuid))
        .order_by(receivables.c.account_id, receivables.c.opened_at.desc())
    )
    return {r.account_id: Journey(r.lead_id, r.traceparent) for r in rows}


async def mark_many_paid(uow: UnitOfWork, invoice_ids: Sequence[UUID], now: datetime) -> None:
    if invoice_ids:
        await uow.session.execute(
            sa.update(receivables)
            .where(receivables.c.invoice_id == _any(list(invoice_ids), sa.Uuid))
            .values(status="paid", paid_at=now, closed_at=now)
        )


async def clear_delinquencies(
    uow: UnitOfWork, account_ids: Iterable[UUID], now: datetime
) -> list[UUID]:
    """Reinstate those of the accounts that are delinquent and have nothing overdue open any
    more; returns them."""
    ids = sorted(set(account_ids))
    if not ids:
        return []
    still_overdue = sa.exists().where(
        receivables.c.account_id == delinquencies.c.account_id,
        receivables.c.status == "open",
        receivables.c.overdue_at.is_not(None),
    )
    cleared = await uow.session.scalars(
        sa.update(delinquencies)
        .where(
            delinquencies.c.account_id == _any(ids, sa.Uuid),
            delinquencies.c.cleared_at.is_(None),
            ~still_overdue,
        )
        .values(cleared_at=now)
        .returning(delinquencies.c.account_id)
    )
    return list(cleared)


async def save_lines(uow: UnitOfWork, rows: Sequence[dict[str, Any]]) -> None:
    await uow.copy_rows(bank_statement_lines, rows)


@dataclass(frozen=True)
class StoredLine:
    statement_id: str
    entry_reference: str
    booking_date: date
    amount: Decimal
    currency: str
    status: str
    account_id: UUID | None


async def locked_line(uow: UnitOfWork, statement_id: str, entry_reference: str) -> StoredLine:
    """One line of a statement, held until commit (with the statement, as an import holds
    it); NotFound when there is none."""
    key = sa.func.hashtextextended("bank-statement:" + statement_id, 0)
    await uow.session.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
    row = (
        await uow.session.execute(
            sa.select(
                bank_statement_lines.c.statement_id,
                bank_statement_lines.c.entry_reference,
                bank_statement_lines.c.booking_date,
                bank_statement_lines.c.amount,
                bank_statement_lines.c.currency,
                bank_statement_lines.c.status,
                bank_statement_lines.c.account_id,
            ).where(
                bank_statement_lines.c.statement_id == statement_id,
                bank_statement_lines.c.entry_reference == entry_reference,
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"statement {statement_id} has no line {entry_reference}")
    return StoredLine(*row)


async def settle_line(uow: UnitOfWork, line: StoredLine, values: dict[str, Any]) -> None:
    await uow.session.execute(
        sa.update(bank_statement_lines)
        .where(
            bank_statement_lines.c.statement_id == line.statement_id,
            bank_statement_lines.c.entry_reference == line.entry_reference,
        )
        .values(**values)
    )
