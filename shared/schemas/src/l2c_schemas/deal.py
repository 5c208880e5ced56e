"""Events of deal-svc (topic l2c.deal.events.v1)."""

from __future__ import annotations

from datetime import datetime
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


class OpportunityStageChanged(JourneyEvent):
    ce_type: ClassVar[str] = "l2c.deal.OpportunityStageChanged.v1"
    topic: ClassVar[str] = DEAL_EVENTS
    subject_field: ClassVar[str] = "opportunity_id"

    opportunity_id: UUID
    from_stage: str
    to_stage: str
    probability: int
    changed_at: datetime


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
