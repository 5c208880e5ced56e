"""Events of contract-svc (topic l2c.contract.events.v1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from l2c_schemas.base import JourneyEvent
from l2c_schemas.cpq import BillingPeriod, PricedLine
from l2c_schemas.money import CurrencyCode, Money
from l2c_schemas.topics import CONTRACT_EVENTS


class ContractDrafted(JourneyEvent):
    ce_type: ClassVar[str] = "l2c.contract.ContractDrafted.v1"
    topic: ClassVar[str] = CONTRACT_EVENTS
    subject_field: ClassVar[str] = "contract_id"

    contract_id: UUID
    quote_id: UUID
    opportunity_id: UUID
    account_id: UUID
    start_date: date
    end_date: date
    total_contract_value: Money
    drafted_at: datetime


class ContractSigned(JourneyEvent):
    ce_type: ClassVar[str] = "l2c.contract.ContractSigned.v1"
    topic: ClassVar[str] = CONTRACT_EVENTS
    subject_field: ClassVar[str] = "contract_id"

    contract_id: UUID
    quote_id: UUID
    opportunity_id: UUID
    account_id: UUID
    signed_by: str
    total_contract_value: Money
    signed_at: datetime


class OrderPlaced(JourneyEvent):
    """A signed contract became an order for provisioning and billing."""

    ce_type: ClassVar[str] = "l2c.contract.OrderPlaced.v1"
    topic: ClassVar[str] = CONTRACT_EVENTS
    subject_field: ClassVar[str] = "order_id"

    order_id: UUID
    contract_id: UUID
    account_id: UUID
    customer_name: str
    currency: CurrencyCode
    start_date: date
    end_date: date
    billing_period: BillingPeriod
    payment_terms_days: int
    lines: list[PricedLine]
    placed_at: datetime
