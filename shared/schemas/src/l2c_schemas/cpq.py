"""Events of cpq-svc (topic l2c.cpq.events.v1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from l2c_schemas.base import JourneyEvent
from l2c_schemas.money import CurrencyCode, DecimalStr, Money
from l2c_schemas.topics import CPQ_EVENTS

BillingPeriod = Literal["month", "quarter", "year"]


class PricedLine(BaseModel):
    """One priced quote line: list price, discount and net, all rounded per line."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    line_no: int
    product_code: str
    description: str
    charge: Literal["recurring", "one_time"]
    billing_period: BillingPeriod | None = None
    """For recurring lines, the period the unit price is for."""
    quantity: DecimalStr
    unit_price: Money
    list_amount: Money
    discount_percent: DecimalStr
    discount_amount: Money
    net_amount: Money


class QuoteTotals(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    list_total: Money
    discount_total: Money
    net_total: Money
    """Sum of the rounded net amounts of the lines."""


class QuoteCreated(JourneyEvent):
    ce_type: ClassVar[str] = "l2c.cpq.QuoteCreated.v1"
    topic: ClassVar[str] = CPQ_EVENTS
    subject_field: ClassVar[str] = "quote_id"

    quote_id: UUID
    opportunity_id: UUID
    version: int
    totals: QuoteTotals
    valid_until: date
    created_at: datetime


class QuoteAccepted(JourneyEvent):
    """The customer accepted this version: the lines, terms and totals are final."""

    ce_type: ClassVar[str] = "l2c.cpq.QuoteAccepted.v1"
    topic: ClassVar[str] = CPQ_EVENTS
    subject_field: ClassVar[str] = "quote_id"

    quote_id: UUID
    opportunity_id: UUID
    account_id: UUID
    customer_name: str
    version: int
    currency: CurrencyCode
    term_months: int
    billing_period: BillingPeriod
    payment_terms_days: int
    lines: list[PricedLine]
    totals: QuoteTotals
    accepted_at: datetime
