"""Invoice disputes: open one (dunning of the invoice pauses), resolve it (upheld: a credit
note of the disputed amount credits the invoice; rejected: nothing changes), list them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa

from ar_svc.adapters.ledger_store import load_ledger, locked_receivable, save_postings
from ar_svc.adapters.tables import credit_notes, disputes
from ar_svc.domain.disputes import (
    Opener,
    Outcome,
    check_opening,
    check_resolving,
    credit_split,
)
from ar_svc.handlers.cash import apply_funds
from l2c_runtime.errors import NotFound
from l2c_runtime.telemetry import current_traceparent
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import Money
from l2c_schemas.ar import DisputeResolved, InvoiceDisputed
from l2c_schemas.money import currency_exponent


@dataclass(frozen=True)
class OpenDispute:
    invoice_id: UUID
    amount: Decimal
    reason: str
    opened_by: Opener
    subject: str | None = None


async def open_dispute(command: OpenDispute, uow: UnitOfWork) -> dict[str, Any]:
    invoice = await locked_receivable(uow, command.invoice_id)
    if invoice is None:
        raise NotFound(f"no invoice {command.invoice_id}")
    already = await uow.session.scalar(
        sa.select(sa.func.count()).where(
            disputes.c.invoice_id == invoice.invoice_id, disputes.c.status == "open"
        )
    )
    places = min(currency_exponent(invoice.currency), 2)  # amounts are kept to the cent
    check_opening(command.amount, invoice.amount, invoice.status, bool(already), places)
    now = uow.clock.now()
    dispute_id = uuid4()
    await uow.session.execute(
        sa.insert(disputes).values(
            dispute_id=dispute_id,
            invoice_id=invoice.invoice_id,
            lead_id=invoice.lead_id,
            account_id=invoice.account_id,
            currency=invoice.currency,
            amount=command.amount,
            reason=command.reason,
            opened_by=command.opened_by,
            opened_by_subject=command.subject,
            opened_at=now,
            status="open",
        )
    )
    await uow.emit(
        InvoiceDisputed(
            lead_id=invoice.lead_id,
            account_id=invoice.account_id,
            dispute_id=dispute_id,
            invoice_id=invoice.invoice_id,
            invoice_number=invoice.invoice_number,
            amount=Money(amount=command.amount, currency=invoice.currency),
            reason=command.reason,
            opened_by=command.opened_by,
            disputed_at=now,
        )
    )
    return await dispute(uow, dispute_id)


async def resolve_dispute(
    uow: UnitOfWork, dispute_id: UUID, outcome: Outcome, reason: str, subject: str | None
) -> dict[str, Any]:
    row = await _dispute_row(uow, dispute_id)
    invoice = await locked_receivable(uow, row.invoice_id)
    row = await _dispute_row(uow, dispute_id)  # again, under the account's lock
    check_resolving(row.status)
    now = uow.clock.now()
    ledger = await load_ledger(uow, invoice.account_id, invoice.currency)
    credit_note_id = None
    if outcome == "upheld":
        credit_note_id = uuid4()
        await uow.session.execute(
            sa.insert(credit_notes).values(
                credit_note_id=credit_note_id,
                credit_note_number=f"CN-D-{dispute_id.hex[:12].upper()}",
                lead_id=invoice.lead_id,
                account_id=invoice.account_id,
                invoice_id=invoice.invoice_id,
                currency=invoice.currency,
                amount=row.amount,
                reason=f"dispute upheld: {reason}",
                issued_at=now,
                traceparent=current_traceparent(),
            )
        )
        new = ledger.issue_credit(credit_note_id, row.amount)
        await save_postings(uow, invoice.account_id, invoice.currency, new, now)
        applied, _ = credit_split(row.amount, ledger.invoice_balance(invoice.invoice_id))
        if applied > 0:
            await apply_funds(uow, ledger, invoice, applied, credit_note_id=credit_note_id)
    await uow.session.execute(
        sa.update(disputes)
        .where(disputes.c.dispute_id == dispute_id)
        .values(
            status=outcome,
            resolution_reason=reason,
            resolved_by=subject,
            resolved_at=now,
            credit_note_id=credit_note_id,
        )
    )
    money = {"currency": invoice.currency}
    await uow.emit(
        DisputeResolved(
            lead_id=invoice.lead_id,
            account_id=invoice.account_id,
            dispute_id=dispute_id,
            invoice_id=invoice.invoice_id,
            invoice_number=invoice.invoice_number,
            outcome=outcome,
            amount=Money(amount=row.amount, **money),
            credit_note_id=credit_note_id,
            credited=Money(amount=row.amount, **money) if credit_note_id else None,
            invoice_balance=Money(amount=ledger.invoice_balance(invoice.invoice_id), **money),
            reason=reason,
            resolved_at=now,
        )
    )
    return await dispute(uow, dispute_id)


async def _dispute_row(uow: UnitOfWork, dispute_id: UUID) -> Any:
    row = (
        await uow.session.execute(sa.select(disputes).where(disputes.c.dispute_id == dispute_id))
    ).first()
    if row is None:
        raise NotFound(f"no dispute {dispute_id}")
    return row


async def dispute(uow: UnitOfWork, dispute_id: UUID) -> dict[str, Any]:
    return dict((await _dispute_row(uow, dispute_id))._mapping)


async def list_disputes(
    uow: UnitOfWork,
    status: str | None,
    account_id: UUID | None,
    invoice_id: UUID | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    query = sa.select(disputes).order_by(disputes.c.opened_at.desc(), disputes.c.dispute_id)
    if status is not None:
        query = query.where(disputes.c.status == status)
    if account_id is not None:
        query = query.where(disputes.c.account_id == account_id)
    if invoice_id is not None:
        query = query.where(disputes.c.invoice_id == invoice_id)
    rows = await uow.session.execute(query.limit(limit).offset(offset))
    return [dict(r._mapping) for r in rows]
