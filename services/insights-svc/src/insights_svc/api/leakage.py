"""The revenue-leakage watch: what each detector finds now, with the amounts at risk."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from insights_svc.adapters.facts import TooManyJourneys
from insights_svc.domain import leakage
from insights_svc.handlers import watch
from l2c_runtime.auth import require
from l2c_runtime.errors import RuleViolation
from l2c_runtime.http.params import PageDep
from l2c_runtime.service import Runtime, runtime_of

router = APIRouter(prefix="/leakage", tags=["leakage"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
DetectorName = Literal[
    "contract_signed_without_order",
    "order_without_subscription",
    "subscription_not_invoiced",
    "overdue_without_dunning",
    "payment_unapplied",
    "discount_without_approval",
]


class FindingView(BaseModel):
    detector: str
    lead_id: UUID
    account_id: UUID | None
    subject: str
    amount_at_risk: str | None
    """An exact decimal string, in `currency`."""
    currency: str | None
    since: datetime
    age_seconds: int
    reason: str
    trace_id: str | None
    journey: str


class DetectorSummary(BaseModel):
    explanation: str
    findings: int
    amount_at_risk: dict[str, str]
    """Per currency, exact decimal strings."""


class LeakagePage(BaseModel):
    now: datetime
    detectors: dict[str, DetectorSummary]
    items: list[FindingView]
    limit: int
    offset: int
    next_offset: int | None


@router.get("", response_model=LeakagePage, dependencies=[require("insights:read")])
async def list_leakage(
    runtime: RuntimeDep,
    page: PageDep,
    detector: DetectorName | None = None,
    lead_id: UUID | None = None,
) -> LeakagePage:
    """Every finding of the leakage detectors now, oldest first (of one detector, or one
    journey, on request), and per detector its explanation, count and amounts at risk. A
    finding disappears once the event that fixes its cause arrives."""
    now = runtime.clock.now()
    async with runtime.sessions() as session:
        try:
            found = await watch.findings(session, now)
        except TooManyJourneys as exc:
            raise RuleViolation(str(exc)) from exc
    if lead_id is not None:
        found = [f for f in found if f.lead_id == lead_id]
    sums = leakage.totals(found)
    detectors = {
        name: DetectorSummary(
            explanation=explanation,
            findings=sum(1 for f in found if f.detector == name),
            amount_at_risk={c: str(a) for c, a in sorted(sums[name].items())},
        )
        for name, (_, explanation) in leakage.DETECTORS.items()
    }
    chosen = [f for f in found if detector is None or f.detector == detector]
    more = page.offset + page.limit < len(chosen)
    return LeakagePage(
        now=now,
        detectors=detectors,
        items=[
            FindingView(
                detector=f.detector,
                lead_id=f.lead_id,
                account_id=f.account_id,
                subject=f.subject,
                amount_at_risk=None if f.amount is None else str(f.amount),
                currency=f.currency,
                since=f.since,
                age_seconds=f.age_seconds(now),
                reason=f.reason,
                trace_id=f.trace_id,
                journey=f"/journeys/{f.lead_id}",
            )
            for f in page.of(chosen)
        ],
        limit=page.limit,
        offset=page.offset,
        next_offset=page.offset + page.limit if more else None,
    )
