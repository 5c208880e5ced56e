"""lead-svc's use cases: load, decide, save, emit — in the caller's unit of work."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa

from l2c_runtime.telemetry import current_traceparent
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import LeadCaptured, LeadDisqualified, LeadQualified, LeadSubmitted
from lead_svc.adapters.tables import leads
from lead_svc.domain.scoring import Prospect, is_qualified, score_prospect


async def capture_lead(submission: LeadSubmitted, uow: UnitOfWork) -> UUID:
    """Capture a lead, score it and pass it through the qualification gate."""
    now = uow.clock.now()
    lead_id = uuid4()
    email = str(submission.email).lower()
    score = score_prospect(
        Prospect(
            email=email,
            company=submission.company,
            country=submission.country,
            employees=submission.employees,
            title=submission.title,
            source=submission.source,
        )
    )
    qualified = is_qualified(score)
    await uow.session.execute(
        sa.insert(leads).values(
            id=lead_id,
            email=email,
            full_name=submission.full_name,
            company=submission.company,
            country=submission.country,
            employees=submission.employees,
            title=submission.title,
            source=submission.source,
            campaign=submission.campaign,
            external_id=submission.external_id,
            status="qualified" if qualified else "disqualified",
            score=score.total,
            score_items=[asdict(item) for item in score.items],
            traceparent=current_traceparent(),
            captured_at=now,
            updated_at=now,
        )
    )
    await uow.emit(
        LeadCaptured(
            lead_id=lead_id,
            company=submission.company,
            country=submission.country,
            source=submission.source,
            campaign=submission.campaign,
            captured_at=now,
        )
    )
    if qualified:
        await uow.emit(
            LeadQualified(
                lead_id=lead_id,
                company=submission.company,
                contact_name=submission.full_name,
                contact_email=email,
                country=submission.country,
                source=submission.source,
                score=score.total,
                reasons=score.reasons,
                qualified_at=now,
            )
        )
    else:
        await uow.emit(
            LeadDisqualified(
                lead_id=lead_id,
                score=score.total,
                reason="below_threshold",
                detail="; ".join(score.reasons),
                disqualified_at=now,
            )
        )
    return lead_id


async def find_lead(lead_id: UUID, uow: UnitOfWork) -> dict[str, Any] | None:
    row = (await uow.session.execute(sa.select(leads).where(leads.c.id == lead_id))).first()
    return None if row is None else dict(row._mapping)
