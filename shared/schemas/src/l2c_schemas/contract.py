"""Events of contract-svc (topic l2c.contract.events.v1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from l2c_schemas.base import JourneyEvent
from l2c_schemas.cpq import BillingPeriod, PricedLine
from l2c_schemas.money import CurrencyCode, DecimalStr, Money
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


class ContractAmended(JourneyEvent):
    """A mid-term change (upsell, downsell, quantity change, product added or removed) takes
    effect on `effective_date`. `lines` is the complete new set of recurring and one-time lines
    from that date on; billing prorates the difference against the current period."""

    ce_type: ClassVar[str] = "l2c.contract.ContractAmended.v1"
    topic: ClassVar[str] = CONTRACT_EVENTS
    subject_field: ClassVar[str] = "contract_id"

    contract_id: UUID
    amendment_id: UUID
    account_id: UUID
    currency: CurrencyCode
    effective_date: date
    lines: list[PricedLine]
    reason: str = ""
    amended_at: datetime


class RenewalDue(JourneyEvent):
    """The contract ends soon: sales should renew it (deal-svc opens a renewal opportunity)."""

    ce_type: ClassVar[str] = "l2c.contract.RenewalDue.v1"
    topic: ClassVar[str] = CONTRACT_EVENTS
    subject_field: ClassVar[str] = "contract_id"

    contract_id: UUID
    opportunity_id: UUID
    account_id: UUID
    customer_name: str
    end_date: date
    auto_renew: bool
    uplift_percent: DecimalStr
    renewal_value: Money
    """Total value of the next term with the uplift applied."""
    due_at: datetime


class ContractRenewed(JourneyEvent):
    """The contract continues for another term from `start_date`, prices uplifted."""

    ce_type: ClassVar[str] = "l2c.contract.ContractRenewed.v1"
    topic: ClassVar[str] = CONTRACT_EVENTS
    subject_field: ClassVar[str] = "contract_id"

    contract_id: UUID
    account_id: UUID
    currency: CurrencyCode
    start_date: date
    end_date: date
    billing_period: BillingPeriod
    uplift_percent: DecimalStr
    lines: list[PricedLine]
    renewed_at: datetime


class ContractTerminated(JourneyEvent):
    ce_type: ClassVar[str] = "l2c.contract.ContractTerminated.v1"
    topic: ClassVar[str] = CONTRACT_EVENTS
    subject_field: ClassVar[str] = "contract_id"

    contract_id: UUID
    account_id: UUID
    effective_date: date
    """Last day of service."""
    reason: str
    terminated_at: datetime
