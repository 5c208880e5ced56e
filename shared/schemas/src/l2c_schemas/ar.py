"""Events of ar-svc (topic l2c.ar.events.v1) and the inbound payment notification."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from l2c_schemas.base import JourneyEvent, Message
from l2c_schemas.money import Cash, Money
from l2c_schemas.topics import AR_EVENTS, PAYMENTS_INBOUND, PAYMENTS_OUTBOUND


class PaymentNotified(Message):
    """Inbound on l2c.payments.inbound.v1: a payment gateway reports a payment.

    `external_reference` is the gateway's id of the payment; the same reference twice is
    one payment."""

    ce_type: ClassVar[str] = "l2c.payments.PaymentNotified.v1"
    topic: ClassVar[str] = PAYMENTS_INBOUND
    subject_field: ClassVar[str] = "external_reference"

    external_reference: str = Field(min_length=1, max_length=200)
    account_id: UUID
    amount: Cash
    status: Literal["succeeded", "failed"] = "succeeded"
    invoice_number: str | None = Field(default=None, max_length=64)
    method: str = Field(default="bank_transfer", max_length=64)
    received_at: datetime

    def message_key(self) -> str:
        return str(self.account_id)


class PaymentReceived(JourneyEvent):
    ce_type: ClassVar[str] = "l2c.ar.PaymentReceived.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "payment_id"

    payment_id: UUID
    external_reference: str
    account_id: UUID
    amount: Money
    method: str
    received_at: datetime


class PaymentApplied(JourneyEvent):
    """Cash from a payment was applied to an invoice."""

    ce_type: ClassVar[str] = "l2c.ar.PaymentApplied.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "invoice_id"

    payment_id: UUID
    invoice_id: UUID
    invoice_number: str
    account_id: UUID
    amount: Money
    invoice_balance: Money
    """What is still open on the invoice after this application."""
    applied_at: datetime
    application_id: UUID | None = None
    """The application, to reverse it with POST /applications/{id}/unapply."""


class InvoicePaid(JourneyEvent):
    ce_type: ClassVar[str] = "l2c.ar.InvoicePaid.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "invoice_id"

    invoice_id: UUID
    invoice_number: str
    account_id: UUID
    amount: Money
    paid_at: datetime


class PaymentFailed(JourneyEvent):
    """A gateway reported a payment attempt that failed; no cash moved."""

    ce_type: ClassVar[str] = "l2c.ar.PaymentFailed.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "payment_id"

    payment_id: UUID
    external_reference: str
    account_id: UUID
    amount: Money
    method: str
    invoice_number: str | None = None
    failed_at: datetime


class PaymentRetryRequested(JourneyEvent):
    """Ask the payment gateway to charge a failed card payment again at `retry_at`."""

    ce_type: ClassVar[str] = "l2c.ar.PaymentRetryRequested.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "payment_id"

    payment_id: UUID
    """The failed payment to retry."""
    external_reference: str
    account_id: UUID
    amount: Money
    invoice_number: str | None = None
    attempt: int
    """1 for the first retry, 2 for the second …"""
    retry_at: datetime


class CreditApplied(JourneyEvent):
    """Customer credit (a credit note) was applied to an invoice."""

    ce_type: ClassVar[str] = "l2c.ar.CreditApplied.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "invoice_id"

    application_id: UUID
    credit_note_id: UUID
    invoice_id: UUID
    invoice_number: str
    account_id: UUID
    amount: Money
    invoice_balance: Money
    applied_at: datetime


class PaymentUnapplied(JourneyEvent):
    """An application was reversed: its cash or credit is unapplied again, the invoice owes
    that much more."""

    ce_type: ClassVar[str] = "l2c.ar.PaymentUnapplied.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "invoice_id"

    application_id: UUID
    payment_id: UUID | None = None
    credit_note_id: UUID | None = None
    invoice_id: UUID
    invoice_number: str
    account_id: UUID
    amount: Money
    invoice_balance: Money
    unapplied_at: datetime


class InvoiceOverdue(JourneyEvent):
    """An invoice is past its due date with a balance still open."""

    ce_type: ClassVar[str] = "l2c.ar.InvoiceOverdue.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "invoice_id"

    invoice_id: UUID
    invoice_number: str
    account_id: UUID
    due_date: date
    balance: Money
    days_past_due: int
    detected_at: datetime


class DunningNoticeSent(JourneyEvent):
    """A reminder of the dunning schedule went to the customer for an overdue invoice."""

    ce_type: ClassVar[str] = "l2c.ar.DunningNoticeSent.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "invoice_id"

    invoice_id: UUID
    invoice_number: str
    account_id: UUID
    step: int
    """1 for the first reminder of the schedule, 2 for the second …"""
    step_name: str
    channel: str
    final: bool
    balance: Money
    days_past_due: int
    sent_at: datetime


class AccountDelinquent(JourneyEvent):
    """An account reached the end of dunning; other systems may suspend its service."""

    ce_type: ClassVar[str] = "l2c.ar.AccountDelinquent.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "account_id"

    account_id: UUID
    invoice_id: UUID
    """The invoice whose final notice made the account delinquent."""
    invoice_number: str
    overdue_balance: Money
    delinquent_since: datetime


class InvoiceWrittenOff(JourneyEvent):
    """An invoice's open balance was written off as uncollectible (bad debt)."""

    ce_type: ClassVar[str] = "l2c.ar.InvoiceWrittenOff.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "invoice_id"

    invoice_id: UUID
    invoice_number: str
    account_id: UUID
    amount: Money
    """The balance written off."""
    days_past_due: int
    reason: str
    written_off_at: datetime
    write_off_id: UUID | None = None
    """A write-off by hand (it can be reversed); absent for the automatic one of dunning."""


class AccountReinstated(JourneyEvent):
    """A delinquent account paid what was overdue: service suspended for it may resume."""

    ce_type: ClassVar[str] = "l2c.ar.AccountReinstated.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "account_id"

    account_id: UUID
    invoice_id: UUID
    """The invoice whose payment cleared the delinquency."""
    reinstated_at: datetime


class InvoiceDisputed(JourneyEvent):
    """The customer (or finance on their behalf) disputes an issued invoice: dunning of it
    pauses until the dispute is resolved."""

    ce_type: ClassVar[str] = "l2c.ar.InvoiceDisputed.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "invoice_id"

    dispute_id: UUID
    invoice_id: UUID
    invoice_number: str
    account_id: UUID
    amount: Money
    """The part of the invoice disputed (at most its total)."""
    reason: str
    opened_by: str
    """`customer` or `finance`."""
    disputed_at: datetime


class DisputeResolved(JourneyEvent):
    """Finance decided a dispute: `upheld` (a credit note of the disputed amount credits the
    invoice) or `rejected` (the invoice stands). Dunning of the invoice resumes."""

    ce_type: ClassVar[str] = "l2c.ar.DisputeResolved.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "invoice_id"

    dispute_id: UUID
    invoice_id: UUID
    invoice_number: str
    account_id: UUID
    outcome: Literal["upheld", "rejected"]
    amount: Money
    """The disputed amount."""
    credit_note_id: UUID | None = None
    """The credit note of an upheld dispute."""
    credited: Money | None = None
    """What the credit note credits (the disputed amount, when upheld)."""
    invoice_balance: Money
    """What the invoice still owes after the resolution."""
    reason: str
    resolved_at: datetime


class RefundRequested(JourneyEvent):
    """Outbound on l2c.payments.outbound.v1: finance refunds money to the customer, and the
    payment gateway is asked to send it (back to the payment `external_reference` names, or,
    for unapplied cash with no payment named, by the gateway's payout). The gateway answers
    with RefundCompleted or RefundFailed on l2c.payments.inbound.v1, naming `refund_id`."""

    ce_type: ClassVar[str] = "l2c.ar.RefundRequested.v1"
    topic: ClassVar[str] = PAYMENTS_OUTBOUND
    subject_field: ClassVar[str] = "refund_id"

    refund_id: UUID
    account_id: UUID
    payment_id: UUID | None = None
    """The payment refunded; absent for a refund of the account's unapplied cash."""
    external_reference: str | None = None
    """The gateway's id of the payment refunded."""
    amount: Money
    reason: str
    requested_at: datetime


class RefundCompleted(Message):
    """Inbound on l2c.payments.inbound.v1: the gateway sent the refund `refund_id`."""

    ce_type: ClassVar[str] = "l2c.payments.RefundCompleted.v1"
    topic: ClassVar[str] = PAYMENTS_INBOUND
    subject_field: ClassVar[str] = "refund_id"

    refund_id: UUID
    account_id: UUID
    gateway_reference: str | None = Field(default=None, max_length=200)
    """The gateway's id of the refund."""
    completed_at: datetime

    def message_key(self) -> str:
        return str(self.account_id)


class RefundFailed(Message):
    """Inbound on l2c.payments.inbound.v1: the gateway could not send the refund `refund_id`;
    its money is the customer's unapplied cash again."""

    ce_type: ClassVar[str] = "l2c.payments.RefundFailed.v1"
    topic: ClassVar[str] = PAYMENTS_INBOUND
    subject_field: ClassVar[str] = "refund_id"

    refund_id: UUID
    account_id: UUID
    reason: str = Field(min_length=1, max_length=500)
    failed_at: datetime

    def message_key(self) -> str:
        return str(self.account_id)


class WriteOffReversed(JourneyEvent):
    """A write-off by hand was undone: the invoice owes what was written off again and is open
    (billing-svc: uncollectible → issued)."""

    ce_type: ClassVar[str] = "l2c.ar.WriteOffReversed.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "invoice_id"

    write_off_id: UUID
    invoice_id: UUID
    invoice_number: str
    account_id: UUID
    amount: Money
    """What the invoice owes again."""
    reason: str
    reversed_at: datetime
