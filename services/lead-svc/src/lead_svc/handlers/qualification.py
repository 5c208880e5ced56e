"""Scoring and the stage gates: every change to a lead's data or engagement runs `assess`;
people disqualify and recycle leads."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from l2c_runtime.errors import Conflict, RuleViolation
from l2c_runtime.telemetry import journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.lead import (
    LeadDisqualified,
    LeadQualified,
    LeadRecycled,
    LeadScored,
    ScoreContribution,
)
from lead_svc.adapters.lead_store import (
    History,
    Lead,
    active_rules,
    activities_of,
    apply_score,
    changes_between,
    emit,
    load_lead,
    prospect_of,
    save_lead,
)
from lead_svc.adapters.tables import leads
from lead_svc.domain.gates import DISQUALIFICATION_REASONS, advances, stage_for
from lead_svc.domain.scoring import Activity, Score, score_lead
from lead_svc.handlers.assignment import route


def _breakdown(score: Score) -> list[ScoreContribution]:
    return [ScoreContribution(rule=item.rule, points=item.points) for item in score.items]


async def assess(
    lead: Lead,
    uow: UnitOfWork,
    history: History,
    *,
    trigger: str,
    activities: list[Activity] | None = None,
) -> None:
    """Score the lead with the active rules (LeadScored when the score changed) and move it
    forward through the gates: an MQL is routed to sales, an SQL is handed over as
    LeadQualified. Changes `lead` in place; the caller saves it."""
    rules, gates = await active_rules(uow)
    if activities is None:
        activities = await activities_of(uow, lead["id"])
    now = uow.clock.now()
    score = score_lead(prospect_of(lead), activities, rules, now)
    before = (lead["score"], lead["score_items"])
    apply_score(lead, score)
    breakdown = _breakdown(score)  # one list for LeadScored and LeadQualified
    if trigger == "capture" or before != (lead["score"], lead["score_items"]):
        history.add("scored", score=score.total, rule_set_version=rules.version, trigger=trigger)
        await emit(
            uow,
            LeadScored(
                lead_id=lead["id"],
                score=score.total,
                fit_score=score.fit,
                intent_score=score.intent,
                breakdown=breakdown,
                rule_set_version=rules.version,
                scored_at=now,
            ),
        )
    reached = stage_for(score, gates)
    if lead["erased_at"] is not None or not advances(lead["status"], reached):
        return
    history.add("stage_changed", {"status": [lead["status"], reached]}, gates=gates.version)
    lead["status"] = reached
    if lead["team"] is None:
        await route(lead, uow, history, reason="routing")
    if reached == "qualified":
        await emit(
            uow,
            LeadQualified(
                lead_id=lead["id"],
                company=lead["company"],
                contact_name=lead["full_name"],
                contact_email=lead["email"],
                country=lead["country"],
                source=lead["source"],
                campaign=lead["campaign"],
                score=score.total,
                reasons=score.reasons,
                score_breakdown=breakdown,
                engagement_summary=score.engagement,
                team=lead["team"],
                owner_id=lead["owner_id"],
                qualified_at=now,
            ),
        )


OPEN_STATUSES = ("new", "marketing_qualified")
"""Leads still in marketing's hands: a new rule set re-scores them. (A qualified lead is
sales' now; a disqualified, merged or erased one is closed.)"""


async def rescore_outdated(uow: UnitOfWork, limit: int) -> int:
    """Re-assess up to `limit` open leads last scored under another rule set version than the
    active one: a rule change reaches the leads already captured, not only new ones (each may
    emit LeadScored and pass a gate). Returns how many were re-assessed; replicas share the
    work (SKIP LOCKED)."""
    rules, _ = await active_rules(uow)
    rows = await uow.session.execute(
        sa.select(leads)
        .where(
            leads.c.status.in_(OPEN_STATUSES),
            leads.c.erased_at.is_(None),
            # Versions only grow (each change publishes a new one), and every lead is scored
            # at capture: older means smaller (ix_leads_open_rule_set).
            leads.c.rule_set_version < rules.version,
        )
        .order_by(leads.c.rule_set_version, leads.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    outdated = [dict(row._mapping) for row in rows]
    for before in outdated:
        # Its events join the lead's own trace (a qualification leads on to a deal).
        with journey_span(
            "lead rescore", before["traceparent"], {"l2c.lead_id": str(before["id"])}
        ):
            after = dict(before)
            history = History(before["id"], uow.clock.now())
            await assess(after, uow, history, trigger="rules_changed")
            after["updated_at"] = uow.clock.now()
            await save_lead(uow, before, after)
            await history.save(uow)
    return len(outdated)


async def disqualify(lead_id: UUID, reason_code: str, note: str, uow: UnitOfWork) -> Lead:
    """A person rules the lead out, giving one of the known reasons."""
    if reason_code not in DISQUALIFICATION_REASONS:
        known = ", ".join(sorted(DISQUALIFICATION_REASONS))
        raise RuleViolation(f"unknown disqualification reason {reason_code!r}; use one of {known}")
    before = await load_lead(uow, lead_id)
    if before["status"] in ("disqualified", "merged"):
        raise Conflict(f"lead {lead_id} is {before['status']}")
    now = uow.clock.now()
    after = {
        **before,
        "status": "disqualified",
        "disqualification_reason": reason_code,
        "first_contact_due_at": None,
        "updated_at": now,
    }
    history = History(lead_id, now)
    history.add("disqualified", changes_between(before, after), reason=reason_code, note=note)
    await uow.emit(
        LeadDisqualified(
            lead_id=lead_id,
            score=before["score"],
            reason=DISQUALIFICATION_REASONS[reason_code],
            reason_code=reason_code,
            detail=note,
            disqualified_at=now,
        )
    )
    await save_lead(uow, before, after)
    await history.save(uow)
    return after


async def recycle(lead_id: UUID, reason: str, uow: UnitOfWork) -> Lead:
    """Back to nurturing: a disqualified lead, or an MQL sales never took up, starts over as
    `new` without an owner, and is scored and gated afresh."""
    before = await load_lead(uow, lead_id)
    if before["status"] not in ("disqualified", "marketing_qualified"):
        raise Conflict(
            f"only disqualified or marketing-qualified leads are recycled, not {before['status']}"
        )
    now = uow.clock.now()
    after = {
        **before,
        "status": "new",
        "disqualification_reason": None,
        "team": None,
        "owner_id": None,
        "routing_rule": None,
        "assigned_at": None,
        "first_contact_due_at": None,
        "contacted_at": None,
        "sla_breached_at": None,
        "recycle_count": before["recycle_count"] + 1,
        "updated_at": now,
    }
    history = History(lead_id, now)
    history.add("recycled", changes_between(before, after), reason=reason)
    await uow.emit(LeadRecycled(lead_id=lead_id, reason=reason, recycled_at=now))
    await assess(after, uow, history, trigger="recycle")
    await save_lead(uow, before, after)
    await history.save(uow)
    return after
