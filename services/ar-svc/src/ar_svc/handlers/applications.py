"""Cash application by hand: apply a payment's unapplied cash to an invoice, reverse an
application (with opposite postings, never deleting), and look at where a payment went."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from ar_svc.adapters.ledger_store import load_ledger, locked_receivable, save_postings
from ar_svc.adapters.tables import payments, postings, receivables
from ar_svc.handlers.cash import apply_funds
from l2c_runtime.errors import Conflict, NotFound, RuleViolation
from l2c_runtime.telemetry import journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import Money
from l2c_schemas.ar import PaymentUnapplied


async def apply_manually(
    payment_id: UUID, invoice_id: UUID, amount: Decimal, uow: UnitOfWork
) -> UUID:
    """Apply `amount` of a payment's unapplied cash to an invoice of the same account."""
    payment = (
        await uow.session.execute(sa.select(payments).where(payments.c.id == payment_id))
    ).first()
    if payment is None:
        raise NotFound(f"payment {payment_id} does not exist")
    if payment.status != "received":
        raise Conflict(f"payment {payment_id} failed; it has no cash to apply")
    invoice = await locked_receivable(uow, invoice_id)
    if invoice is None:
        raise NotFound(f"invoice {invoice_id} has no receivable")
    if (invoice.account_id, invoice.currency) != (payment.account_id, payment.currency):
        raise RuleViolation("a payment applies only to invoices of its account and currency")
    if invoice.status != "open":
        raise Conflict(f"invoice {invoice.invoice_number} is {invoice.status}")
    ledger = await load_ledger(uow, payment.account_id, payment.currency)
    with journey_span("payment apply", invoice.traceparent, {"l2c.lead_id": str(invoice.lead_id)}):
        return await apply_funds(uow, ledger, invoice, amount, payment_id=payment_id)


async def unapply(application_id: UUID, uow: UnitOfWork) -> Any:
    """Reverse an application with opposite postings (never deleting); a paid invoice that
    owes again is open again. Returns the invoice's receivable."""
    first = (
        await uow.session.execute(
            sa.select(postings.c.account_id, postings.c.currency, postings.c.invoice_id)
            .where(postings.c.application_id == application_id, postings.c.invoice_id.is_not(None))
            .limit(1)
        )
    ).first()
    if first is None:
        raise NotFound(f"application {application_id} does not exist")
    invoice = await locked_receivable(uow, first.invoice_id)
    if invoice.status in ("void", "written_off"):
        raise Conflict(f"invoice {invoice.invoice_number} is {invoice.status}")
    ledger = await load_ledger(uow, first.account_id, first.currency)
    try:
        application = next(
            a for a in ledger.live_applications() if a.application_id == application_id
        )
    except StopIteration:
        raise Conflict(f"application {application_id} was already reversed") from None
    now = uow.clock.now()
    await save_postings(uow, first.account_id, first.currency, ledger.unapply(application_id), now)
    with journey_span(
        "payment unapply", invoice.traceparent, {"l2c.lead_id": str(invoice.lead_id)}
    ):
        await uow.emit(
            PaymentUnapplied(
                lead_id=invoice.lead_id,
                account_id=invoice.account_id,
                application_id=application_id,
                payment_id=application.payment_id,
                credit_note_id=application.credit_note_id,
                invoice_id=invoice.invoice_id,
                invoice_number=invoice.invoice_number,
                amount=Money(amount=application.amount, currency=invoice.currency),
                invoice_balance=Money(
                    amount=ledger.invoice_balance(invoice.invoice_id), currency=invoice.currency
                ),
                unapplied_at=now,
            )
        )
    if invoice.status == "paid":
        await uow.session.execute(
            sa.update(receivables)
            .where(receivables.c.invoice_id == invoice.invoice_id)
            .values(
                status="open",
                paid_at=None,
                closed_at=None,
                next_dunning_on=invoice.due_date + timedelta(days=1),
            )
        )
    return invoice


async def payment_detail(payment_id: UUID, uow: UnitOfWork) -> dict[str, Any]:
    """A payment with its applications in force and its unapplied cash."""
    payment = (
        await uow.session.execute(sa.select(payments).where(payments.c.id == payment_id))
    ).first()
    if payment is None:
        raise NotFound(f"payment {payment_id} does not exist")
    ledger = await load_ledger(uow, payment.account_id, payment.currency)
    live = [a for a in ledger.live_applications() if a.payment_id == payment_id]
    rows = await uow.session.execute(
        sa.select(receivables.c.invoice_id, receivables.c.invoice_number).where(
            receivables.c.invoice_id.in_([a.invoice_id for a in live])
        )
    )
    numbers = {row.invoice_id: row.invoice_number for row in rows}
    return {
        "payment_id": payment.id,
        "external_reference": payment.external_reference,
        "account_id": payment.account_id,
        "amount": Money(amount=payment.amount, currency=payment.currency),
        "method": payment.method,
        "status": payment.status,
        "received_at": payment.received_at,
        "applications": [
            {
                "application_id": a.application_id,
                "invoice_id": a.invoice_id,
                "invoice_number": numbers[a.invoice_id],
                "amount": a.amount,
            }
            for a in live
        ],
        "unapplied": ledger.unapplied(payment_id),
    }
