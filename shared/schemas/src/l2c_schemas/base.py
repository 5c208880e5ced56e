"""Base classes of every message on L2C's topics."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class Message(BaseModel):
    """A message on a Kafka topic. Subclasses set the CloudEvents type and their topic.

    Consumers ignore fields they do not know, so adding an optional field is compatible;
    removing or retyping a required one is a breaking change and needs a new major version.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    ce_type: ClassVar[str] = ""
    """CloudEvents `type`: `l2c.<context>.<EventName>.v<major>`."""
    topic: ClassVar[str] = ""
    subject_field: ClassVar[str] = ""
    """Name of the field that identifies the aggregate (CloudEvents `subject`)."""

    def subject(self) -> str | None:
        value = getattr(self, self.subject_field, None) if self.subject_field else None
        return None if value is None else str(value)

    def message_key(self) -> str | None:
        """Kafka key: decides the partition, so it decides what stays in order."""
        return self.subject()


class JourneyEvent(Message):
    """An event of one lead-to-cash journey. It carries the journey's correlation ids and is
    keyed by account (else lead), so one customer's events stay in order."""

    lead_id: UUID
    """The lead whose journey this belongs to."""
    account_id: UUID | None = None
    """The customer account, once one exists (from OpportunityOpened on)."""
    actor: str | None = None
    """Who caused the event when a person did, through an API call (their token's subject);
    absent when another event or a scheduled job caused it."""

    def message_key(self) -> str:
        return str(self.account_id or self.lead_id)
