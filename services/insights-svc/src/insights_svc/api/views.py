"""Response models of the insights API."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from insights_svc.domain.facts import Fact
from insights_svc.domain.journey import Milestones


class StageView(BaseModel):
    stage: str
    occurred_at: datetime
    actor: str | None
    owner: str | None
    trace_id: str | None
    event_id: str
    ids: dict[str, str]
    amounts: dict[str, str]
    """Exact decimal strings."""
    detail: dict[str, str]


class JourneySummary(BaseModel):
    lead_id: UUID
    account_id: UUID | None
    status: str
    owner: str | None
    team: str | None
    source: str | None
    campaign: str | None
    currency: str | None
    captured_at: datetime | None
    opportunity_opened_at: datetime | None
    quote_sent_at: datetime | None
    contract_signed_at: datetime | None
    won_at: datetime | None
    lost_at: datetime | None
    first_invoice_at: datetime | None
    paid_at: datetime | None


class JourneyView(JourneySummary):
    stages: list[StageView]
    truncated: bool


class JourneyPage(BaseModel):
    items: list[JourneySummary]
    limit: int
    offset: int
    next_offset: int | None


def stage_view(fact: Fact) -> StageView:
    values = asdict(fact)
    values.pop("lead_id")
    values.pop("account_id")
    return StageView(**values)


def summary(m: Milestones) -> JourneySummary:
    values = {name: getattr(m, name) for name in JourneySummary.model_fields if name != "status"}
    return JourneySummary(status=m.status, **values)
