"""Events of cpq-svc (topic l2c.cpq.events.v1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from l2c_schemas.base import JourneyEvent
from l2c_schemas.money import CurrencyCode, DecimalStr, Money
from l2c_schemas.text import BoundedModel
from l2c_schemas.topics import CPQ_EVENTS

BillingPeriod = Literal["month", "quarter", "year"]

MAX_TRIAL_DAYS = 365
"""The longest free trial a quote or contract may give."""


class PriceStep(BoundedModel):
    """One step of a line's price waterfall: `percent` off the price left by the steps before."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    step: str
    """E.g. "volume discount", "annual prepay", "line discount", "quote discount"."""
    percent: DecimalStr
    amount: Money
    """The discount this step takes (rounded half-up on its own)."""
    price_after: Money


class PricedLine(BoundedModel):
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


class LineWaterfall(BoundedModel):
    """How line `line_no` was priced: its model, and list → each discount → net."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    line_no: int
    pricing_model: str
    """flat, per_unit, graduated, volume or package; for all but per_unit the line's
    `unit_price` is the average price of a unit."""
    steps: list[PriceStep]
    """The discounts in order; their amounts add up to the line's `discount_amount`."""
    bundle_code: str | None = None
    """The bundle this line is a component of, if any."""


UsageAggregation = Literal["sum", "count", "max", "unique_count", "latest"]
"""How a period's usage events make one quantity: their sum, their count, the largest, the
number of distinct `unique_key`s, or the last one's quantity."""


class RateTier(BoundedModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    up_to: DecimalStr | None = None
    """Inclusive upper bound of the tier in units; None for the last, open-ended tier."""
    unit_price: Money
    flat_fee: Money | None = None
    """Charged once when the quantity reaches the tier (graduated and volume models)."""


class UsageRate(BoundedModel):
    """A usage-based product on the quote: nothing is charged up front; metered usage of
    `metric` is rated per `unit` at these prices and billed in arrears. The accepted quote's
    rates travel with the contract and the order to billing, which rates usage with them."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    product_code: str
    description: str
    metric: str
    unit: str
    """What one unit of the usage events' quantity counts (e.g. "1k calls")."""
    pricing_model: str
    """flat, per_unit, graduated, volume or package (as the l2c_pricing library computes
    them). Graduated and volume prices list their tiers; the others have one open-ended tier
    whose `unit_price` is the model's amount: the flat price, the price of a unit, the price
    of a package."""
    tiers: list[RateTier]
    billing_period: BillingPeriod = "month"
    package_size: DecimalStr | None = None
    """Units in a package (package model only)."""
    flat_fee: Money | None = None
    """A fee charged once per period with the first unit, on top of the model's price."""
    aggregation: UsageAggregation = "sum"


class QuoteTotals(BoundedModel):
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
    usage_rates: list[UsageRate] = []
    """Usage-based products, rated from metered usage and billed in arrears (not in totals)."""
    waterfalls: list[LineWaterfall] = []
    """The price waterfall of each line, by line number."""
    valid_until: date | None = None
    trial_days: int = Field(default=0, ge=0, le=MAX_TRIAL_DAYS)
    """A free trial from the contract's start (0: none), as quoted."""
    trial_requires_payment_method: bool = False


class QuoteApprovalRequested(JourneyEvent):
    """A discount beyond policy waits for `role` (step `step_no` of the approval chain)."""

    ce_type: ClassVar[str] = "l2c.cpq.QuoteApprovalRequested.v1"
    topic: ClassVar[str] = CPQ_EVENTS
    subject_field: ClassVar[str] = "quote_id"

    quote_id: UUID
    opportunity_id: UUID
    version: int
    step_no: int
    role: str
    discount_percent: DecimalStr
    """The quote's highest discretionary discount on a line."""
    threshold_percent: DecimalStr
    requested_at: datetime


class ApprovalDecision(BoundedModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    step_no: int
    role: str
    actor: str
    comment: str | None = None
    decided_at: datetime


class QuoteApproved(JourneyEvent):
    """Every step of the quote's approval chain approved its discount."""

    ce_type: ClassVar[str] = "l2c.cpq.QuoteApproved.v1"
    topic: ClassVar[str] = CPQ_EVENTS
    subject_field: ClassVar[str] = "quote_id"

    quote_id: UUID
    opportunity_id: UUID
    version: int
    discount_percent: DecimalStr
    approvals: list[ApprovalDecision]
    approved_at: datetime


class QuoteRejected(JourneyEvent):
    """An approver refused the discount, or the customer declined the quote."""

    ce_type: ClassVar[str] = "l2c.cpq.QuoteRejected.v1"
    topic: ClassVar[str] = CPQ_EVENTS
    subject_field: ClassVar[str] = "quote_id"

    quote_id: UUID
    opportunity_id: UUID
    version: int
    rejected_by: str
    role: str
    """"customer", or the approver's role (e.g. "sales_manager")."""
    reason: str | None = None
    rejected_at: datetime


class QuoteSent(JourneyEvent):
    ce_type: ClassVar[str] = "l2c.cpq.QuoteSent.v1"
    topic: ClassVar[str] = CPQ_EVENTS
    subject_field: ClassVar[str] = "quote_id"

    quote_id: UUID
    opportunity_id: UUID
    version: int
    totals: QuoteTotals
    valid_until: date
    sent_at: datetime


class QuoteRevised(JourneyEvent):
    """A new version replaces `supersedes_quote_id`, which can no longer be sent or accepted."""

    ce_type: ClassVar[str] = "l2c.cpq.QuoteRevised.v1"
    topic: ClassVar[str] = CPQ_EVENTS
    subject_field: ClassVar[str] = "quote_id"

    quote_id: UUID
    opportunity_id: UUID
    version: int
    supersedes_quote_id: UUID
    previous_version: int
    totals: QuoteTotals
    valid_until: date
    revised_at: datetime


class QuoteExpired(JourneyEvent):
    """The quote passed its validity date without being accepted."""

    ce_type: ClassVar[str] = "l2c.cpq.QuoteExpired.v1"
    topic: ClassVar[str] = CPQ_EVENTS
    subject_field: ClassVar[str] = "quote_id"

    quote_id: UUID
    opportunity_id: UUID
    version: int
    valid_until: date
    expired_at: datetime
