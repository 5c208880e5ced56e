"""The dunning job's SQL, a batch of receivables at a time: claim them, take their accounts'
locks, read their balances, write what was decided. Each is one statement whatever the
batch's size (arrays unnested by the server)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from ar_svc.adapters.tables import disputes, postings, receivables
from l2c_runtime.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class ReceivableChange:
    """What today's dunning leaves on one receivable."""

    invoice_id: UUID
    next_dunning_on: date | None
    dunning_step: int
    overdue_at: datetime | None
    status: str
    closed_at: datetime | None


async def claim_due(uow: UnitOfWork, today: date, busy: Sequence[UUID], limit: int) -> list[Any]:
    """Up to `limit` open receivables with dunning due by today and no open dispute, locked
    (FOR UPDATE SKIP LOCKED: another replica takes others), passing over `busy` ones."""
    disputed = sa.exists().where(
        disputes.c.invoice_id == receivables.c.invoice_id, disputes.c.status == "open"
    )
    query = (
        sa.select(receivables)
        .where(
            receivables.c.status == "open",
            receivables.c.next_dunning_on <= today,
            ~disputed,  # an open dispute pauses dunning until it is resolved
        )
        .order_by(receivables.c.next_dunning_on, receivables.c.invoice_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if busy:  # one bound array, however many (NOT IN would bind each id)
        busy_ids = sa.bindparam(None, list(busy), type_=ARRAY(sa.Uuid))
        query = query.where(receivables.c.invoice_id != sa.func.all(busy_ids))
    return list(await uow.session.execute(query))


async def try_lock_accounts(uow: UnitOfWork, account_ids: Iterable[UUID]) -> set[UUID]:
    """`ledger_store.try_lock_account` for many accounts: those whose lock it got (held until
    commit); the others are being changed by a payment right now."""
    ids = sorted({str(a) for a in account_ids})
    if not ids:
        return set()
    rows = await uow.session.execute(
        sa.text(
            "SELECT a FROM unnest(CAST(:ids AS text[])) AS a"
            " WHERE pg_try_advisory_xact_lock(hashtextextended(a, 0))"
        ),
        {"ids": ids},
    )
    return {UUID(r.a) for r in rows}


async def invoice_balances(uow: UnitOfWork, invoice_ids: Sequence[UUID]) -> dict[UUID, Decimal]:
    """Each invoice's balance: the sum of its postings."""
    rows = await uow.session.execute(
        sa.text(
            "SELECT invoice_id, sum(amount) AS balance FROM postings"
            " WHERE invoice_id = ANY(CAST(:ids AS uuid[])) GROUP BY invoice_id"
        ),
        {"ids": list(invoice_ids)},
    )
    return {r.invoice_id: Decimal(r.balance) for r in rows}


async def overdue_totals(
    uow: UnitOfWork, account_ids: Sequence[UUID], today: date, excluded: Sequence[UUID]
) -> dict[tuple[UUID, str], Decimal]:
    """What each account owes per currency on its open invoices past due (`excluded`: those
    this pass writes off)."""
    rows = await uow.session.execute(
        sa.select(receivables.c.account_id, receivables.c.currency, sa.func.sum(postings.c.amount))
        .join(postings, postings.c.invoice_id == receivables.c.invoice_id)
        .where(
            receivables.c.account_id
            == sa.func.any(sa.bindparam(None, list(account_ids), type_=ARRAY(sa.Uuid))),
            receivables.c.status == "open",
            receivables.c.due_date < today,
            receivables.c.invoice_id
            != sa.func.all(sa.bindparam(None, list(excluded), type_=ARRAY(sa.Uuid))),
        )
        .group_by(receivables.c.account_id, receivables.c.currency)
    )
    return {(r[0], r[1]): Decimal(r[2]) for r in rows}


async def become_delinquent(
    uow: UnitOfWork, first_final: Sequence[tuple[UUID, UUID]], now: datetime
) -> set[UUID]:
    """Make accounts (account, invoice of the final notice) delinquent unless they are; the
    accounts that became so now."""
    rows = await uow.session.execute(
        sa.text(
            "INSERT INTO delinquencies (account_id, invoice_id, since)"
            " SELECT a, i, :now FROM unnest(CAST(:accounts AS uuid[]), CAST(:invoices AS uuid[]))"
            " AS d(a, i)"
            " ON CONFLICT (account_id) DO UPDATE SET invoice_id = excluded.invoice_id,"
            " since = excluded.since, cleared_at = NULL"
            " WHERE delinquencies.cleared_at IS NOT NULL RETURNING account_id"
        ),
        {
            "accounts": [a for a, _ in first_final],
            "invoices": [i for _, i in first_final],
            "now": now,
        },
    )
    return {r.account_id for r in rows}


async def save_changes(uow: UnitOfWork, today: date, changes: Sequence[ReceivableChange]) -> None:
    if not changes:
        return
    await uow.session.execute(
        sa.text(
            "UPDATE receivables AS r SET dunning_checked_on = :today,"
            " next_dunning_on = c.next_on, dunning_step = c.step, overdue_at = c.overdue_at,"
            " status = c.status, closed_at = c.closed_at"
            " FROM unnest(CAST(:ids AS uuid[]), CAST(:next_on AS date[]), CAST(:steps AS int[]),"
            " CAST(:overdue_at AS timestamptz[]), CAST(:status AS text[]),"
            " CAST(:closed_at AS timestamptz[]))"
            " AS c(invoice_id, next_on, step, overdue_at, status, closed_at)"
            " WHERE r.invoice_id = c.invoice_id"
        ),
        {
            "today": today,
            "ids": [c.invoice_id for c in changes],
            "next_on": [c.next_dunning_on for c in changes],
            "steps": [c.dunning_step for c in changes],
            "overdue_at": [c.overdue_at for c in changes],
            "status": [c.status for c in changes],
            "closed_at": [c.closed_at for c in changes],
        },
    )
