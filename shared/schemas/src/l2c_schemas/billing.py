"""Events of billing-svc (topic l2c.billing.events.v1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, ClassVar, Literal
from uuid import UUID

from pydantic import ConfigDict, Field, model_validator

from l2c_schemas.base import JourneyEvent, Message
from l2c_schemas.cpq import BillingPeriod
from l2c_schemas.money import CurrencyCode, DecimalBounds, DecimalStr, Money
from l2c_schemas.text import BoundedModel
from l2c_schemas.topics import BILLING_EVENTS, USAGE


class SubscriptionActivated(JourneyEvent):
    ce_type: ClassVar[str] = "l2c.billing.SubscriptionActivated.v1"
    topic: ClassVar[str] = BILLING_EVENTS
    subject_field: ClassVar[str] = "subscription_id"

    subscription_id: UUID
    order_id: UUID
    contract_id: UUID
    account_id: UUID
    currency: CurrencyCode
    billing_period: BillingPeriod
    start_date: date
    end_date: date
    recurring_amount: Money
    """What one full billing period of the subscription costs, before tax."""
    activated_at: datetime
    trial_end: date | None = None
    """Last day of the free trial, if the order gave one; charging starts the day after."""
    trial_requires_payment_method: bool = False


class InvoiceLine(BoundedModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    line_no: int
    product_code: str
    description: str
    quantity: DecimalStr
    unit_price: Money
    """List price per unit for the period."""
    amount: Money
    """Net amount of the line: quantity × unit price, less the discount, rounded."""
    discount_amount: Money | None = None
    period_start: date
    period_end: date
    """Last day of the service period, inclusive."""


class InvoiceIssued(JourneyEvent):
    """An invoice was finalised and numbered; it is now a receivable."""

    ce_type: ClassVar[str] = "l2c.billing.InvoiceIssued.v1"
    topic: ClassVar[str] = BILLING_EVENTS
    subject_field: ClassVar[str] = "invoice_id"

    invoice_id: UUID
    invoice_number: str
    subscription_id: UUID
    account_id: UUID
    customer_name: str
    currency: CurrencyCode
    issue_date: date
    due_date: date
    period_start: date
    period_end: date
    lines: list[InvoiceLine]
    subtotal: Money
    tax_total: Money
    total: Money
    issued_at: datetime


class InvoiceVoided(JourneyEvent):
    """An issued invoice was cancelled before payment; its receivable is reversed."""

    ce_type: ClassVar[str] = "l2c.billing.InvoiceVoided.v1"
    topic: ClassVar[str] = BILLING_EVENTS
    subject_field: ClassVar[str] = "invoice_id"

    invoice_id: UUID
    invoice_number: str
    account_id: UUID
    amount: Money
    reason: str
    voided_at: datetime


class CreditNoteIssued(JourneyEvent):
    """Money owed back to the customer (e.g. a downgrade's unused time), against an invoice."""

    ce_type: ClassVar[str] = "l2c.billing.CreditNoteIssued.v1"
    topic: ClassVar[str] = BILLING_EVENTS
    subject_field: ClassVar[str] = "credit_note_id"

    credit_note_id: UUID
    credit_note_number: str
    invoice_id: UUID | None = None
    """The invoice it credits, if any."""
    account_id: UUID
    currency: CurrencyCode
    lines: list[InvoiceLine]
    subtotal: Money
    tax_total: Money
    total: Money
    reason: str
    issued_at: datetime


class RevenueRecognized(JourneyEvent):
    """A month closed: this much of the subscription's invoiced amounts became revenue in it
    (ASC 606 / IFRS 15: ratable by day for subscriptions, at a point in time for one-off fees,
    as delivered for usage). Negative when credits exceed charges."""

    ce_type: ClassVar[str] = "l2c.billing.RevenueRecognized.v1"
    topic: ClassVar[str] = BILLING_EVENTS
    subject_field: ClassVar[str] = "subscription_id"

    subscription_id: UUID
    account_id: UUID
    month: date
    """First day of the closed month."""
    amount: Money
    recognized_at: datetime


class UsageRecorded(Message):
    """Inbound on l2c.usage.v1: product telemetry reports usage of a metered metric.

    `event_id` is the producer's id of the usage event; the same id twice counts once. The
    usage belongs to `subscription_id`, or else to the active subscription of `account_id`.
    `unique_key` is what a unique-count metric counts distinct values of (e.g. a user id)."""

    ce_type: ClassVar[str] = "l2c.usage.UsageRecorded.v1"
    topic: ClassVar[str] = USAGE
    subject_field: ClassVar[str] = "event_id"

    event_id: str = Field(min_length=1, max_length=200)
    subscription_id: UUID | None = None
    account_id: UUID | None = None
    metric: str = Field(min_length=1, max_length=100)
    quantity: Annotated[DecimalStr, DecimalBounds(18, 6)]
    """Fits NUMERIC(24,6)."""
    unique_key: str | None = Field(default=None, max_length=200)
    occurred_at: datetime

    @model_validator(mode="after")
    def _names_its_customer(self) -> UsageRecorded:
        if self.subscription_id is None and self.account_id is None:
            raise ValueError("usage needs a subscription_id or an account_id")
        return self

    def message_key(self) -> str:
        # Per-subscription (else per-account) order, so one customer's usage stays in order.
        return str(self.subscription_id or self.account_id)


class SubscriptionItemLine(BoundedModel):
    """One item of a subscription: what one billing period of it costs."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    line_no: int
    product_code: str
    description: str
    charge: Literal["recurring", "one_time"]
    quantity: DecimalStr
    unit_price: Money
    discount_amount: Money
    net_amount: Money


class SubscriptionChanged(JourneyEvent):
    """The subscription's items changed: an amendment (or a renewal's prices) was applied.

    They are `new_items` from `effective_date`. `proration` is what the change is worth for
    the days of periods it reaches into (credit of the old items as negative lines, charge of
    the new ones as positive lines); `proration_total` is their sum: charged on the next
    invoice when positive, credited by a credit note at once when negative."""

    ce_type: ClassVar[str] = "l2c.billing.SubscriptionChanged.v1"
    topic: ClassVar[str] = BILLING_EVENTS
    subject_field: ClassVar[str] = "subscription_id"

    subscription_id: UUID
    contract_id: UUID
    amendment_id: UUID
    account_id: UUID
    currency: CurrencyCode
    effective_date: date
    reason: str = ""
    old_items: list[SubscriptionItemLine]
    new_items: list[SubscriptionItemLine]
    proration: list[InvoiceLine] = []
    proration_total: Money
    changed_at: datetime


class SubscriptionEnded(JourneyEvent):
    """The subscription's term ran out without a renewal: nothing more is invoiced.

    `reason` is why it was not renewed when the contract said (e.g. it expired)."""

    ce_type: ClassVar[str] = "l2c.billing.SubscriptionEnded.v1"
    topic: ClassVar[str] = BILLING_EVENTS
    subject_field: ClassVar[str] = "subscription_id"

    subscription_id: UUID
    contract_id: UUID
    account_id: UUID
    end_date: date
    """Last day of service."""
    reason: str = ""
    ended_at: datetime


class SubscriptionTerminated(JourneyEvent):
    """The subscription ended early: its contract was terminated before the term's end.

    `last_day` is its last day of service (a termination on the term's last day is a term that
    runs out: SubscriptionEnded). `final_credit` is the credit note for days invoiced after
    it (None when there were none); a termination during the trial bills nothing at all."""

    ce_type: ClassVar[str] = "l2c.billing.SubscriptionTerminated.v1"
    topic: ClassVar[str] = BILLING_EVENTS
    subject_field: ClassVar[str] = "subscription_id"

    subscription_id: UUID
    contract_id: UUID
    account_id: UUID
    last_day: date
    reason: str
    during_trial: bool = False
    final_credit: Money | None = None
    credit_note_id: UUID | None = None
    terminated_at: datetime


class TrialEvent(JourneyEvent):
    """What TrialEnding and TrialEnded share: whose trial, and its dates."""

    topic: ClassVar[str] = BILLING_EVENTS
    subject_field: ClassVar[str] = "subscription_id"

    subscription_id: UUID
    account_id: UUID
    trial_end: date
    """Last free day."""
    first_charge_date: date
    """The day after the trial: the first paid day, whose invoice is issued on it."""


class TrialEnding(TrialEvent):
    """The free trial ends in a few days (a configurable number): remind the customer.

    Ask for a payment method too when `payment_method_required`."""

    ce_type: ClassVar[str] = "l2c.billing.TrialEnding.v1"

    payment_method_required: bool = False
    notified_at: datetime


class TrialEnded(TrialEvent):
    """The free trial is over and the subscription is paid from `first_charge_date` on."""

    ce_type: ClassVar[str] = "l2c.billing.TrialEnded.v1"

    ended_at: datetime
