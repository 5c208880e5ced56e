"""Events of deal-svc (topic l2c.deal.events.v1)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from l2c_schemas.base import JourneyEvent
from l2c_schemas.money import Money
from l2c_schemas.topics import DEAL_EVENTS


class OpportunityOpened(JourneyEvent):
    """A qualified lead became an opportunity on a (new or existing) customer account."""

    ce_type: ClassVar[str] = "l2c.deal.OpportunityOpened.v1"
    topic: ClassVar[str] = DEAL_EVENTS
    subject_field: ClassVar[str] = "opportunity_id"

    opportunity_id: UUID
    account_id: UUID
    account_name: str
    name: str
    stage: str
    kind: Literal["new_business", "renewal", "expansion"] = "new_business"
    opened_at: datetime
    amount: Money | None = None
    """Known at opening for renewals (the next term's value) and for priced expansions."""
    expected_close_date: date | None = None
    renews_contract_id: UUID | None = None
    """For a renewal: the contract whose term it continues."""
    owner: str | None = None
    """The rep who owns the deal, when one does."""
    team: str | None = None
    """The sales team the deal belongs to (from lead routing), when known."""


class OpportunityStageChanged(JourneyEvent):
    ce_type: ClassVar[str] = "l2c.deal.OpportunityStageChanged.v1"
    topic: ClassVar[str] = DEAL_EVENTS
    subject_field: ClassVar[str] = "opportunity_id"

    opportunity_id: UUID
    from_stage: str
    to_stage: str
    probability: int
    changed_at: datetime


class OpportunityUpdated(JourneyEvent):
    """Sales changed what the forecast reads: the amount, the expected close date or the owner.
    Each field holds the value after the change."""

    ce_type: ClassVar[str] = "l2c.deal.OpportunityUpdated.v1"
    topic: ClassVar[str] = DEAL_EVENTS
    subject_field: ClassVar[str] = "opportunity_id"

    opportunity_id: UUID
    amount: Money | None = None
    expected_close_date: date | None = None
    owner: str | None = None
    updated_at: datetime
    probability: int | None = None
    """The deal's win probability (percent); sales may override the stage's default."""


class DealClosed(JourneyEvent):
    """The opportunity is closed, won or lost, with the reason."""

    ce_type: ClassVar[str] = "l2c.deal.DealClosed.v1"
    topic: ClassVar[str] = DEAL_EVENTS
    subject_field: ClassVar[str] = "opportunity_id"

    opportunity_id: UUID
    outcome: Literal["won", "lost"]
    reason: str
    amount: Money | None = None
    quote_id: UUID | None = None
    contract_id: UUID | None = None
    closed_at: datetime
    competitor: str | None = None
    """Who won a lost deal, when sales knows (feeds the win/loss analysis)."""
