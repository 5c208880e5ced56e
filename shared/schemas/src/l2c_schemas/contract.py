"""Events of contract-svc (topic l2c.contract.events.v1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from l2c_schemas.base import JourneyEvent, Message
from l2c_schemas.cpq import MAX_TRIAL_DAYS, BillingPeriod, PricedLine, UsageRate
from l2c_schemas.money import CurrencyCode, DecimalStr, Money
from l2c_schemas.topics import CONTRACT_EVENTS, PROVISIONING

BillingTiming = Literal["in_advance", "in_arrears"]
"""Whether a period is invoiced at its start (in advance) or after its end (in arrears)."""


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
    currency: CurrencyCode | None = None
    billing_period: BillingPeriod | None = None
    billing_timing: BillingTiming = "in_advance"
    payment_terms_days: int | None = None
    auto_renew: bool | None = None
    uplift_percent: DecimalStr | None = None
    """Price increase applied to the recurring lines at renewal."""
    renewal_notice_days: int | None = None
    approval_required: bool = False
    """True when non-standard terms wait for legal/finance approval before signature."""


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
    billing_timing: BillingTiming = "in_advance"
    trial_days: int = Field(default=0, ge=0, le=MAX_TRIAL_DAYS)
    """Free days from `start_date` (0: no trial); billing charges from the day after them."""
    trial_requires_payment_method: bool = False
    """Whether the customer must give a payment method before the trial ends."""
    usage_rates: list[UsageRate] = []
    """The accepted quote's usage prices: billing rates the order's usage with exactly these.
    An order with none is rated by billing's default usage plans."""


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
    usage_rates: list[UsageRate] | None = None
    """The complete set of usage prices from `effective_date` on; None leaves them as they
    are (billing rates a usage period at the prices in force on its first day)."""


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


class ContractApproved(JourneyEvent):
    """Every step of the approval chain for the contract's non-standard terms approved it."""

    ce_type: ClassVar[str] = "l2c.contract.ContractApproved.v1"
    topic: ClassVar[str] = CONTRACT_EVENTS
    subject_field: ClassVar[str] = "contract_id"

    contract_id: UUID
    account_id: UUID
    approved_by: list[str]
    """The approvers, in the order of the chain (e.g. legal, then finance)."""
    approved_at: datetime


class OrderProvisioningRequested(JourneyEvent):
    """Provisioning of an order is asked for again after a failure (a retry)."""

    ce_type: ClassVar[str] = "l2c.contract.OrderProvisioningRequested.v1"
    topic: ClassVar[str] = CONTRACT_EVENTS
    subject_field: ClassVar[str] = "order_id"

    order_id: UUID
    contract_id: UUID
    account_id: UUID
    attempt: int
    """2 for the first retry."""
    lines: list[PricedLine]
    requested_at: datetime


class OrderProvisioned(JourneyEvent):
    ce_type: ClassVar[str] = "l2c.contract.OrderProvisioned.v1"
    topic: ClassVar[str] = CONTRACT_EVENTS
    subject_field: ClassVar[str] = "order_id"

    order_id: UUID
    contract_id: UUID
    account_id: UUID
    detail: str = ""
    provisioned_at: datetime


class OrderProvisioningFailed(JourneyEvent):
    """Provisioning reported a failure; the order waits for a retry."""

    ce_type: ClassVar[str] = "l2c.contract.OrderProvisioningFailed.v1"
    topic: ClassVar[str] = CONTRACT_EVENTS
    subject_field: ClassVar[str] = "order_id"

    order_id: UUID
    contract_id: UUID
    account_id: UUID
    attempt: int
    detail: str
    failed_at: datetime


class ContractActivated(JourneyEvent):
    """The signed contract's start date arrived: service under the contract begins."""

    ce_type: ClassVar[str] = "l2c.contract.ContractActivated.v1"
    topic: ClassVar[str] = CONTRACT_EVENTS
    subject_field: ClassVar[str] = "contract_id"

    contract_id: UUID
    account_id: UUID
    start_date: date
    end_date: date
    activated_at: datetime


class ProvisioningReported(Message):
    """Inbound on l2c.provisioning.v1: a provisioning system reports the outcome of an order
    (from OrderPlaced or OrderProvisioningRequested)."""

    ce_type: ClassVar[str] = "l2c.provisioning.ProvisioningReported.v1"
    topic: ClassVar[str] = PROVISIONING
    subject_field: ClassVar[str] = "order_id"

    order_id: UUID
    status: Literal["succeeded", "failed"]
    detail: str = Field(default="", max_length=2000)
    reported_at: datetime
