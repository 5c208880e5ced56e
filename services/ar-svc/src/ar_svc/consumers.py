"""Events ar-svc reacts to."""

from __future__ import annotations

from ar_svc.handlers import receivables as handlers
from ar_svc.handlers import refunds
from l2c_runtime.consumer import EventHandlers
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import InvoiceIssued, PaymentNotified
from l2c_schemas.ar import RefundCompleted, RefundFailed
from l2c_schemas.billing import CreditNoteIssued, InvoiceVoided
from l2c_schemas.envelope import CloudEvent

subscriptions = EventHandlers()


@subscriptions.on(InvoiceIssued)
async def on_invoice_issued(event: InvoiceIssued, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.open_receivable(event, uow)


@subscriptions.on(CreditNoteIssued)
async def on_credit_note_issued(event: CreditNoteIssued, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.issue_credit_note(event, uow)


@subscriptions.on(InvoiceVoided)
async def on_invoice_voided(event: InvoiceVoided, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.void_receivable(event, uow)


@subscriptions.on(PaymentNotified)
async def on_payment_notified(event: PaymentNotified, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.record_payment(
        handlers.PaymentCommand(
            external_reference=event.external_reference,
            account_id=event.account_id,
            amount=event.amount,
            method=event.method,
            invoice_number=event.invoice_number,
            received_at=event.received_at,
            status=event.status,
        ),
        uow,
    )


@subscriptions.on(RefundCompleted)
async def on_refund_completed(event: RefundCompleted, uow: UnitOfWork, _: CloudEvent) -> None:
    await refunds.complete_refund(event, uow)


@subscriptions.on(RefundFailed)
async def on_refund_failed(event: RefundFailed, uow: UnitOfWork, _: CloudEvent) -> None:
    await refunds.fail_refund(event, uow)
