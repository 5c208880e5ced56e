"""ar-svc's receivables use cases: open a receivable for an issued invoice, credit notes,
voids, and an account's balance. Cash use cases are in `cash`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ar_svc.adapters.ledger_store import (
    load_ledger,
    lock_account,
    locked_receivable,
    open_receivables,
    receivable,
    save_postings,
)
from ar_svc.adapters.tables import credit_notes, postings, receivables
from ar_svc.domain.ledger import LedgerError
from ar_svc.handlers.applications import apply_manually, payment_detail, unapply
from ar_svc.handlers.cash import (
    PaymentCommand,
    PaymentOutcome,
    apply_funds,
    apply_unapplied_funds,
    mark_paid,
    record_payment,
)
from ar_svc.handlers.early_cash import announce_waiting_payments
from l2c_runtime.errors import RuleViolation
from l2c_runtime.telemetry import current_traceparent
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import InvoiceIssued
from l2c_schemas.billing import CreditNoteIssued, InvoiceVoided

__all__ = [
    "PaymentCommand",
    "PaymentOutcome",
    "account_balance",
    "apply_manually",
    "issue_credit_note",
    "open_receivable",
    "payment_detail",
    "receivable",
    "record_payment",
    "unapply",
    "void_receivable",
]


async def open_receivable(invoice: InvoiceIssued, uow: UnitOfWork) -> None:
    """An issued invoice becomes an open receivable: one posting of its total. Unapplied cash
    and customer credit of the account pay it at once, first any payment that came before it
    and named it (see `early_cash`). The same invoice twice is one
    receivable; another invoice with a number already taken is refused."""
    now = uow.clock.now()
    holder = await uow.session.scalar(
        sa.select(receivables.c.invoice_id).where(
            receivables.c.invoice_number == invoice.invoice_number
        )
    )
    if holder is not None and holder != invoice.invoice_id:
        raise RuleViolation(
            f"invoice number {invoice.invoice_number} already belongs to invoice {holder}"
        )
    await lock_account(uow, invoice.account_id)
    inserted = await uow.session.execute(
        pg_insert(receivables)
        .values(
            invoice_id=invoice.invoice_id,
            invoice_number=invoice.invoice_number,
            lead_id=invoice.lead_id,
            account_id=invoice.account_id,
            currency=invoice.currency,
            amount=invoice.total.amount,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            status="open",
            next_dunning_on=invoice.due_date + timedelta(days=1),
            traceparent=current_traceparent(),
            opened_at=now,
        )
        .on_conflict_do_nothing(index_elements=["invoice_id"])
        .returning(receivables.c.invoice_id)
    )
    if inserted.first() is None:
        return
    await announce_waiting_payments(uow, invoice.account_id, invoice.currency, invoice.lead_id)
    ledger = await load_ledger(uow, invoice.account_id, invoice.currency)
    new = ledger.invoice(invoice.invoice_id, invoice.total.amount)
    await save_postings(uow, invoice.account_id, invoice.currency, new, now)
    row = await receivable(uow, invoice.invoice_id)
    if invoice.total.amount == 0:
        await mark_paid(uow, row, now)  # nothing to collect (e.g. a trial period)
        return
    await apply_unapplied_funds(uow, ledger, row)


async def issue_credit_note(note: CreditNoteIssued, uow: UnitOfWork) -> None:
    """A credit note is customer credit: it pays what is open on the invoice it credits,
    then the account's other open invoices oldest first; what is left stays as credit for
    the next invoice."""
    now = uow.clock.now()
    if note.total.amount <= 0:
        raise RuleViolation("a credit note's total must be positive")
    await lock_account(uow, note.account_id)
    inserted = await uow.session.execute(
        pg_insert(credit_notes)
        .values(
            credit_note_id=note.credit_note_id,
            credit_note_number=note.credit_note_number,
            lead_id=note.lead_id,
            account_id=note.account_id,
            invoice_id=note.invoice_id,
            currency=note.currency,
            amount=note.total.amount,
            reason=note.reason,
            issued_at=note.issued_at,
            traceparent=current_traceparent(),
        )
        .on_conflict_do_nothing(index_elements=["credit_note_id"])
        .returning(credit_notes.c.credit_note_id)
    )
    if inserted.first() is None:
        return
    ledger = await load_ledger(uow, note.account_id, note.currency)
    new = ledger.issue_credit(note.credit_note_id, note.total.amount)
    await save_postings(uow, note.account_id, note.currency, new, now)
    open_rows = await open_receivables(uow, note.account_id, note.currency)
    open_rows.sort(key=lambda r: r.invoice_id != note.invoice_id)  # the credited one first
    for row in open_rows:
        left = ledger.unapplied(note.credit_note_id)
        due = ledger.invoice_balance(row.invoice_id)
        if left <= 0:
            break
        if due > 0:
            await apply_funds(uow, ledger, row, min(left, due), credit_note_id=note.credit_note_id)


async def void_receivable(voided: InvoiceVoided, uow: UnitOfWork) -> None:
    """A voided invoice is owed no more: cash applied to it goes back to unapplied, its total
    is reversed by a posting, and dunning of it stops. Voiding twice changes nothing."""
    invoice = await locked_receivable(uow, voided.invoice_id)
    if invoice is None:
        raise RuleViolation(f"invoice {voided.invoice_id} has no receivable to void")
    if invoice.status == "void":
        return
    if invoice.status == "written_off":
        raise RuleViolation(
            f"invoice {invoice.invoice_number} was written off; it cannot be voided"
        )
    ledger = await load_ledger(uow, invoice.account_id, invoice.currency)
    try:
        new = ledger.void(invoice.invoice_id)
    except LedgerError as exc:
        raise RuleViolation(str(exc)) from exc
    now = uow.clock.now()
    await save_postings(uow, invoice.account_id, invoice.currency, new, now)
    await uow.session.execute(
        sa.update(receivables)
        .where(receivables.c.invoice_id == invoice.invoice_id)
        .values(status="void", closed_at=now)
    )


async def account_balance_as_of_now(
    uow: UnitOfWork, account_id: UUID, currency: str | None = None
) -> dict[str, Any]:
    """`account_balance` read from one snapshot of the database, as the first thing of its
    transaction: read apart, a credit or a payment committed between the total and the
    unapplied cash made them disagree (the unapplied cash counted, the total not yet)."""
    await uow.session.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    return await account_balance(uow, account_id, currency)


async def account_balance(
    uow: UnitOfWork, account_id: UUID, currency: str | None = None
) -> dict[str, Any]:
    """The account's balance in one currency (invoices − payments − credits − write-offs),
    its unapplied cash and credit, and each receivable's balance. Amounts of different
    currencies are never added: an account with postings in several must name one."""
    held = sorted(
        await uow.session.scalars(
            sa.select(postings.c.currency).distinct().where(postings.c.account_id == account_id)
        )
    )
    if currency is None:
        if len(held) > 1:
            raise RuleViolation(
                f"account {account_id} has balances in {', '.join(held)}; name one (?currency=)"
            )
        currency = held[0] if held else None
    in_currency = postings.c.currency == currency if currency else sa.true()
    total = await uow.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(postings.c.amount), 0)).where(
            postings.c.account_id == account_id, in_currency
        )
    )
    unapplied = await uow.session.scalar(
        sa.select(sa.func.coalesce(-sa.func.sum(postings.c.amount), 0)).where(
            postings.c.account_id == account_id, postings.c.invoice_id.is_(None), in_currency
        )
    )
    invoice_rows = await uow.session.execute(
        sa.select(
            receivables.c.invoice_id,
            receivables.c.invoice_number,
            receivables.c.currency,
            receivables.c.amount,
            receivables.c.status,
            receivables.c.due_date,
            receivables.c.dunning_step,
            sa.func.sum(postings.c.amount).label("balance"),
        )
        .join(postings, postings.c.invoice_id == receivables.c.invoice_id)
        .where(
            receivables.c.account_id == account_id,
            receivables.c.currency == currency if currency else sa.true(),
        )
        .group_by(receivables.c.invoice_id)
        .order_by(receivables.c.issue_date, receivables.c.invoice_number)
    )
    return {
        "account_id": account_id,
        "currency": currency,
        "balance": total,
        "unapplied_cash": unapplied,
        "invoices": [dict(row._mapping) for row in invoice_rows],
    }
