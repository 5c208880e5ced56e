"""Events of ar-svc (topic l2c.ar.events.v1) and the inbound payment notification."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from l2c_schemas.base import JourneyEvent, Message
from l2c_schemas.money import Money
from l2c_schemas.topics import AR_EVENTS, PAYMENTS_INBOUND


class PaymentNotified(Message):
    """Inbound on l2c.payments.inbound.v1: a payment gateway reports a payment.

    `external_reference` is the gateway's id of the payment; the same reference twice is
    one payment."""

    ce_type: ClassVar[str] = "l2c.payments.PaymentNotified.v1"
    topic: ClassVar[str] = PAYMENTS_INBOUND
    subject_field: ClassVar[str] = "external_reference"

    external_reference: str = Field(min_length=1, max_length=200)
    account_id: UUID
    amount: Money
    status: Literal["succeeded", "failed"] = "succeeded"
    invoice_number: str | None = None
    method: str = "bank_transfer"
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


class InvoicePaid(JourneyEvent):
    ce_type: ClassVar[str] = "l2c.ar.InvoicePaid.v1"
    topic: ClassVar[str] = AR_EVENTS
    subject_field: ClassVar[str] = "invoice_id"

    invoice_id: UUID
    invoice_number: str
    account_id: UUID
    amount: Money
    paid_at: datetime
