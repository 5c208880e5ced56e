"""Capture: a submission becomes a new lead, or merges into the lead of the same person.
Engagement signals attach to their lead (or wait for the person to become one)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal
from uuid import UUID, uuid4

import sqlalchemy as sa

from l2c_runtime.consumer import Delivery
from l2c_runtime.errors import Conflict, RuleViolation
from l2c_runtime.telemetry import LEAD_ID, current_traceparent
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.lead import LeadActivityRecorded, LeadCaptured, LeadMerged, LeadSubmitted
from lead_svc.adapters.bulk_writes import pending_writes, write_now
from lead_svc.adapters.lead_store import (
    History,
    Lead,
    changes_between,
    emit,
    find_by_person,
    insert_lead,
    load_lead,
    prefetch_people,
    save_lead,
    transaction_cache,
)
from lead_svc.adapters.tables import lead_activities
from lead_svc.domain.identity import company_key, normalise_email, person_key
from lead_svc.domain.routing import segment_of
from lead_svc.domain.scoring import Activity
from lead_svc.handlers.qualification import assess

Outcome = Literal["created", "merged"]
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
# What a newer submission of the same person may update (the newest word about them wins).
PROFILE_FIELDS = ("full_name", "company", "country", "employees", "title", "industry")


def _touch(submission: LeadSubmitted, at: Any) -> dict[str, Any]:
    """One marketing touch: where the submission came from (no personal data)."""
    touch = {"source": submission.source, "campaign": submission.campaign, "at": at.isoformat()}
    touch |= {name: getattr(submission, name) for name in UTM_FIELDS}
    return {k: v for k, v in touch.items() if v is not None}


async def capture_lead(
    submission: LeadSubmitted, uow: UnitOfWork, *, in_bulk: bool = False
) -> tuple[UUID, Outcome]:
    """Capture a submission: the same person's existing lead absorbs it (LeadMerged),
    else a new lead is created (LeadCaptured). Either way it is scored and gated.
    `in_bulk`: a new lead's rows and events are written with the rest of the transaction's
    at commit (the consumer's batches); the lead cannot be read back before then."""
    key = person_key(str(submission.email))
    existing = await find_by_person(uow, key)
    if existing is not None:
        await _merge_submission(existing, submission, uow)
        return existing["id"], "merged"
    now = uow.clock.now()
    email = normalise_email(str(submission.email))
    touch = _touch(submission, now)
    lead: Lead = {
        "id": uuid4(),
        "email": email,
        "full_name": submission.full_name,
        "company": submission.company,
        "country": submission.country,
        "employees": submission.employees,
        "title": submission.title,
        "industry": submission.industry,
        "product_interest": submission.product_interest,
        "source": submission.source,
        "campaign": submission.campaign,
        "external_id": submission.external_id,
        "attribution": {"first_touch": touch, "touches": [touch]},
        "marketing_consent": submission.marketing_consent,
        "person_key": key,
        "company_key": company_key(email, submission.company),
        "status": "new",
        "score": 0,
        "score_items": [],
        "traceparent": current_traceparent(),
        "captured_at": now,
        "updated_at": now,
        "team": None,
        "owner_id": None,
        "contacted_at": None,
        "erased_at": None,
    }
    activities = await _claim_waiting_activities(uow, key, lead["id"])
    history = History(lead["id"], now)
    history.add("captured", source=submission.source, campaign=submission.campaign)
    pending = pending_writes(uow, transaction_cache(uow)) if in_bulk else None
    if pending is not None:
        pending.collecting = True
    try:
        await _announce_new_lead(lead, submission, activities, history, uow)
    finally:
        if pending is not None:
            pending.collecting = False
    if pending is not None:
        pending.add_lead(lead, history.entries)
    else:
        await insert_lead(uow, lead)
        await history.save(uow)
    return lead["id"], "created"


async def capture_many(deliveries: Sequence[Delivery[LeadSubmitted]], uow: UnitOfWork) -> None:
    """A poll's submissions: the people already known are read in one statement, the new
    leads written in one statement per table; each submission is handled in a span of its
    own trace, which names the lead."""
    await prefetch_people(uow, {person_key(str(d.message.email)) for d in deliveries})
    for delivery in deliveries:
        with delivery.handling_span() as span:
            lead_id, _ = await capture_lead(delivery.message, uow, in_bulk=True)
            span.set_attribute(LEAD_ID, str(lead_id))
    await write_now(uow, transaction_cache(uow))


async def _claim_waiting_activities(uow: UnitOfWork, key: str, lead_id: UUID) -> list[Activity]:
    """Signals that arrived before the person became a lead now belong to the lead."""
    cache = transaction_cache(uow)
    if "activities_waiting" not in cache:  # usually none: skip the claim for the whole batch
        waiting = sa.select(sa.exists().where(lead_activities.c.lead_id.is_(None)))
        cache["activities_waiting"] = bool((await uow.session.execute(waiting)).scalar())
    if not cache["activities_waiting"]:
        return []
    claimed = await uow.session.execute(
        sa.update(lead_activities)
        .where(lead_activities.c.person_key == key, lead_activities.c.lead_id.is_(None))
        .values(lead_id=lead_id)
        .returning(lead_activities.c.kind, lead_activities.c.occurred_at)
    )
    return [Activity(kind, at) for kind, at in claimed]


async def _announce_new_lead(
    lead: Lead,
    submission: LeadSubmitted,
    activities: list[Activity],
    history: History,
    uow: UnitOfWork,
) -> None:
    now = lead["captured_at"]
    await emit(
        uow,
        LeadCaptured(
            lead_id=lead["id"],
            company=submission.company,
            country=submission.country,
            source=submission.source,
            campaign=submission.campaign,
            captured_at=now,
            segment=segment_of(submission.employees),
        ),
    )
    await assess(lead, uow, history, trigger="capture", activities=activities)


async def _merge_submission(before: Lead, submission: LeadSubmitted, uow: UnitOfWork) -> None:
    now = uow.clock.now()
    after = dict(before)
    for name in PROFILE_FIELDS:
        value = getattr(submission, name)
        if value is not None:
            after[name] = value
    if submission.product_interest is not None:
        after["product_interest"] = submission.product_interest
    if submission.marketing_consent is not None:  # a withdrawal must win
        after["marketing_consent"] = submission.marketing_consent
    attribution = dict(before["attribution"] or {})
    attribution["touches"] = [*attribution.get("touches", []), _touch(submission, now)]
    after.update(attribution=attribution, updated_at=now)
    changes = changes_between(before, after)
    history = History(before["id"], now)
    history.add("merged", changes, matched_on="email", source=submission.source)
    await uow.emit(
        LeadMerged(
            lead_id=before["id"],
            matched_on="email",
            changed_fields=sorted(changes),
            source=submission.source,
            merged_at=now,
        )
    )
    await assess(after, uow, history, trigger="merge")
    await save_lead(uow, before, after)
    await history.save(uow)


async def merge_leads(survivor_id: UUID, duplicate_id: UUID, uow: UnitOfWork) -> Lead:
    """Fold a duplicate lead into the survivor: the survivor keeps its values and gains the
    ones it lacks, the duplicate's engagement and history; the duplicate becomes `merged`."""
    if survivor_id == duplicate_id:
        raise RuleViolation("a lead cannot be merged into itself")
    first, second = sorted((survivor_id, duplicate_id))  # lock in one order: no deadlock
    locked = {first: await load_lead(uow, first), second: await load_lead(uow, second)}
    survivor, duplicate = locked[survivor_id], locked[duplicate_id]
    for lead in (survivor, duplicate):
        if lead["status"] == "merged":
            raise Conflict(f"lead {lead['id']} was already merged into {lead['merged_into']}")
    now = uow.clock.now()
    dup_after = {
        **duplicate,
        "status": "merged",
        "merged_into": survivor_id,
        "person_key": None,
        "first_contact_due_at": None,
        "updated_at": now,
    }
    dup_history = History(duplicate_id, now)
    dup_history.add("merged_into", changes_between(duplicate, dup_after), survivor=survivor_id)
    await save_lead(uow, duplicate, dup_after)  # frees its person key first
    after = dict(survivor)
    for name in (*PROFILE_FIELDS, "email", "product_interest", "marketing_consent"):
        if after.get(name) is None and duplicate.get(name) is not None:
            after[name] = duplicate[name]
    if after["person_key"] is None:
        after["person_key"] = duplicate["person_key"]
    attribution = dict(survivor["attribution"] or {})
    attribution["touches"] = [
        *attribution.get("touches", []),
        *(duplicate["attribution"] or {}).get("touches", []),
    ]
    after.update(attribution=attribution, updated_at=now)
    await uow.session.execute(
        sa.update(lead_activities)
        .where(lead_activities.c.lead_id == duplicate_id)
        .values(lead_id=survivor_id)
    )
    changes = changes_between(survivor, after)
    history = History(survivor_id, now)
    history.add("merged", changes, matched_on="explicit", duplicate=duplicate_id)
    await uow.emit(
        LeadMerged(
            lead_id=survivor_id,
            merged_lead_id=duplicate_id,
            matched_on="explicit",
            changed_fields=sorted(changes),
            source=duplicate["source"],
            merged_at=now,
        )
    )
    await assess(after, uow, history, trigger="merge")
    await save_lead(uow, survivor, after)
    await history.save(uow)
    await dup_history.save(uow)
    return after


async def record_activity(activity: LeadActivityRecorded, uow: UnitOfWork) -> UUID | None:
    """Attach an engagement signal to its lead and re-score it; a signal for an address that
    is not a lead yet is kept and counted when the person is captured."""
    now = uow.clock.now()
    key = None if activity.email is None else person_key(str(activity.email))
    lead: Lead | None = None
    if activity.lead_id is not None:
        lead = await load_lead(uow, activity.lead_id)
        while lead["merged_into"] is not None:
            lead = await load_lead(uow, lead["merged_into"])
    elif key is not None:
        lead = await find_by_person(uow, key)
    await uow.session.execute(
        sa.insert(lead_activities).values(
            lead_id=None if lead is None else lead["id"],
            person_key=key if lead is None else None,
            kind=activity.kind,
            occurred_at=activity.occurred_at,
            detail=activity.detail,
            recorded_at=now,
        )
    )
    if lead is None:
        return None
    after = {**lead, "updated_at": now}
    history = History(lead["id"], now)
    history.add("activity", kind=activity.kind, occurred_at=activity.occurred_at)
    await assess(after, uow, history, trigger="activity")
    await save_lead(uow, lead, after)
    await history.save(uow)
    return UUID(str(lead["id"]))
