"""Events of lead-svc (topic l2c.lead.events.v1) and its inbound intake message."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import EmailStr, Field

from l2c_schemas.base import JourneyEvent, Message
from l2c_schemas.topics import LEAD_EVENTS, LEAD_INTAKE


class LeadSubmitted(Message):
    """Inbound on l2c.lead.intake.v1: a lead from a web form, marketing automation or an
    import. Sources do not know L2C's ids; `external_id` is theirs."""

    ce_type: ClassVar[str] = "l2c.lead.LeadSubmitted.v1"
    topic: ClassVar[str] = LEAD_INTAKE
    subject_field: ClassVar[str] = "external_id"

    email: EmailStr
    full_name: str = Field(min_length=1, max_length=200)
    company: str = Field(min_length=1, max_length=200)
    country: str | None = Field(default=None, pattern="^[A-Z]{2}$")
    employees: int | None = Field(default=None, ge=0)
    title: str | None = Field(default=None, max_length=200)
    source: str = Field(default="unknown", max_length=100)
    campaign: str | None = Field(default=None, max_length=200)
    external_id: str | None = Field(default=None, max_length=200)

    def message_key(self) -> str | None:
        # Keyed by the source's id, never by personal data such as the e-mail address.
        return self.external_id


class LeadCaptured(JourneyEvent):
    ce_type: ClassVar[str] = "l2c.lead.LeadCaptured.v1"
    topic: ClassVar[str] = LEAD_EVENTS
    subject_field: ClassVar[str] = "lead_id"

    company: str
    country: str | None = None
    source: str
    campaign: str | None = None
    captured_at: datetime


class LeadQualified(JourneyEvent):
    """The lead passed the qualification gate; sales gets what it needs to open a deal."""

    ce_type: ClassVar[str] = "l2c.lead.LeadQualified.v1"
    topic: ClassVar[str] = LEAD_EVENTS
    subject_field: ClassVar[str] = "lead_id"

    company: str
    contact_name: str
    contact_email: EmailStr
    country: str | None = None
    source: str
    score: int
    reasons: list[str] = Field(default_factory=list)
    qualified_at: datetime


class LeadDisqualified(JourneyEvent):
    ce_type: ClassVar[str] = "l2c.lead.LeadDisqualified.v1"
    topic: ClassVar[str] = LEAD_EVENTS
    subject_field: ClassVar[str] = "lead_id"

    score: int
    reason: Literal["below_threshold", "invalid", "duplicate", "manual"]
    detail: str = ""
    disqualified_at: datetime


class LeadErased(JourneyEvent):
    """A person asked to be forgotten: every service scrubs its copies of their personal data
    for this lead (names, e-mail addresses, titles), keeping only what the law requires."""

    ce_type: ClassVar[str] = "l2c.lead.LeadErased.v1"
    topic: ClassVar[str] = LEAD_EVENTS
    subject_field: ClassVar[str] = "lead_id"

    erased_at: datetime
