"""Events of insights-svc (topic l2c.insights.events.v1): how each hand-off between stages
ended against its service-level agreement. They belong to the journey of the hand-off (its
lead and account) but are not steps of it: insights-svc does not read them back."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from l2c_schemas.base import JourneyEvent
from l2c_schemas.topics import INSIGHTS_EVENTS


class _HandoffOutcome(JourneyEvent):
    topic: ClassVar[str] = INSIGHTS_EVENTS
    subject_field: ClassVar[str] = "handoff_id"

    handoff_id: UUID
    """One hand-off: the SLA, the lead and the id that correlates its two events."""
    sla_key: str = Field(max_length=64)
    sla_version: int = Field(ge=1)
    from_stage: str = Field(max_length=64)
    """The event that started the hand-off, e.g. `QuoteAccepted`."""
    to_stage: str = Field(max_length=64)
    """The event that ends it (one of the SLA's), e.g. `ContractDrafted`."""
    subject_id: str | None = Field(default=None, max_length=64)
    """The value of the correlating id (e.g. the quote id), absent when the lead is enough."""
    owner_team: str = Field(max_length=64)
    """The team that owns the hand-off (the SLA's)."""
    owner: str | None = Field(default=None, max_length=200)
    """The journey's owner when the hand-off started, when one was named."""
    sla_seconds: int = Field(ge=1)
    started_at: datetime
    due_at: datetime
    elapsed_seconds: int = Field(ge=0)
    """Calendar seconds from the start to the end (or to the breach, while it is open)."""
    trace_id: str | None = Field(default=None, max_length=32)
    """The trace of the event that started the hand-off."""


class HandoffSlaBreached(_HandoffOutcome):
    """A hand-off ran over its SLA: still open at its due time, or ended after it."""

    ce_type: ClassVar[str] = "l2c.insights.HandoffSlaBreached.v1"

    ended_at: datetime | None = None
    """When it ended, if it ended late before the breach was noticed."""
    breached_at: datetime


class HandoffSlaMet(_HandoffOutcome):
    """A hand-off ended within its SLA."""

    ce_type: ClassVar[str] = "l2c.insights.HandoffSlaMet.v1"

    ended_at: datetime
