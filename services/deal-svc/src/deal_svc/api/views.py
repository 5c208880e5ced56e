"""What the API answers with."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends
from pydantic import BaseModel

from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas import Money

RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class OpportunityView(BaseModel):
    opportunity_id: UUID
    lead_id: UUID
    account_id: UUID
    account_name: str
    name: str
    kind: str
    pipeline: str
    stage: str
    probability: int
    forecast_category: str
    status: str
    amount: Money | None
    expected_close_date: date | None
    owner: str | None
    quote_id: UUID | None
    contract_id: UUID | None
    close_reason: str | None
    competitor: str | None
    renews_contract_id: UUID | None
    previous_opportunity_id: UUID | None
    lead_source: str | None
    """Where the qualified lead came from, its campaign, score at qualification and team."""
    lead_campaign: str | None
    lead_score: int | None
    lead_team: str | None
    opened_at: datetime
    closed_at: datetime | None


def opportunity_view(row: dict[str, Any]) -> OpportunityView:
    amount = row["amount"]
    return OpportunityView(
        opportunity_id=row["id"],
        amount=None if amount is None else Money.of(amount, row["currency"]),
        **{
            k: row[k] for k in OpportunityView.model_fields if k not in {"opportunity_id", "amount"}
        },
    )
