"""Loading an account's subledger from its postings and storing the postings it adds.

All changes to one account's money are serialised by a transaction-scoped advisory lock on
the account, so two payments (or a payment and the dunning job) never apply the same cash."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from ar_svc.adapters.tables import postings, receivables
from ar_svc.domain.ledger import Ledger, Posting
from l2c_runtime.unit_of_work import UnitOfWork


def _lock_key(account_id: UUID) -> Any:
    return sa.func.hashtextextended(str(account_id), 0)


async def lock_account(uow: UnitOfWork, account_id: UUID) -> None:
    """Wait for, then hold until commit, the right to change the account's money."""
    await uow.session.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(account_id))))


async def try_lock_account(uow: UnitOfWork, account_id: UUID) -> bool:
    """Like lock_account, but give up at once when another transaction holds it."""
    got = await uow.session.scalar(
        sa.select(sa.func.pg_try_advisory_xact_lock(_lock_key(account_id)))
    )
    return bool(got)


async def load_ledger(uow: UnitOfWork, account_id: UUID, currency: str) -> Ledger:
    """The account's postings in one currency, in the order they were made."""
    rows = await uow.session.execute(
        sa.select(
            postings.c.kind,
            postings.c.amount,
            postings.c.invoice_id,
            postings.c.payment_id,
            postings.c.credit_note_id,
            postings.c.application_id,
            postings.c.refund_id,
        )
        .where(postings.c.account_id == account_id, postings.c.currency == currency)
        .order_by(postings.c.id)
    )
    return Ledger(
        [
            Posting(
                r.kind,
                Decimal(r.amount),
                r.invoice_id,
                r.payment_id,
                r.credit_note_id,
                r.application_id,
                r.refund_id,
            )
            for r in rows
        ]
    )


def posting_rows(
    account_id: UUID, currency: str, new: Iterable[Posting], posted_at: datetime
) -> list[dict[str, Any]]:
    """The `postings` rows of an account's new postings (for an insert or a COPY)."""
    return [
        {
            "account_id": account_id,
            "currency": currency,
            "posted_at": posted_at,
            "kind": p.kind,
            "amount": p.amount,
            "invoice_id": p.invoice_id,
            "payment_id": p.payment_id,
            "credit_note_id": p.credit_note_id,
            "application_id": p.application_id,
            "refund_id": p.refund_id,
        }
        for p in new
    ]


async def save_postings(
    uow: UnitOfWork,
    account_id: UUID,
    currency: str,
    new: Iterable[Posting],
    posted_at: datetime,
) -> None:
    rows = posting_rows(account_id, currency, new, posted_at)
    if rows:
        await uow.session.execute(sa.insert(postings), rows)


async def receivable(uow: UnitOfWork, invoice_id: UUID) -> Any:
    """One receivable row, or None."""
    return (
        await uow.session.execute(
            sa.select(receivables).where(receivables.c.invoice_id == invoice_id)
        )
    ).first()


async def locked_receivable(uow: UnitOfWork, invoice_id: UUID) -> Any:
    """One receivable row (or None) read after its account's lock is taken: a status read
    before it may already be stale (a payment, a credit note, a void or a write-off changing
    it meanwhile), and a decision on a stale status breaks the books."""
    account_id = await uow.session.scalar(
        sa.select(receivables.c.account_id).where(receivables.c.invoice_id == invoice_id)
    )
    if account_id is None:
        return None
    await lock_account(uow, account_id)
    return await receivable(uow, invoice_id)


async def open_receivables(uow: UnitOfWork, account_id: UUID, currency: str) -> list[Any]:
    """The account's open receivables in a currency, oldest first."""
    rows = await uow.session.execute(
        sa.select(receivables)
        .where(
            receivables.c.account_id == account_id,
            receivables.c.currency == currency,
            receivables.c.status == "open",
        )
        .order_by(receivables.c.issue_date, receivables.c.invoice_number)
    )
    return list(rows)


async def latest_journey(uow: UnitOfWork, account_id: UUID) -> tuple[UUID, str | None] | None:
    """The journey (lead id, trace context) of the account's latest receivable, if any."""
    latest = (
        await uow.session.execute(
            sa.select(receivables.c.lead_id, receivables.c.traceparent)
            .where(receivables.c.account_id == account_id)
            .order_by(receivables.c.opened_at.desc())
            .limit(1)
        )
    ).first()
    return None if latest is None else (latest.lead_id, latest.traceparent)
