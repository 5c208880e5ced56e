"""Reading and writing lead-svc's tables for the handlers (inside the caller's unit of work)."""

from __future__ import annotations

import weakref
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY

from l2c_runtime.errors import NotFound
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.base import Message
from lead_svc.adapters.bulk_writes import PendingWrites, write_now
from lead_svc.adapters.tables import lead_activities, lead_history, leads, scoring_rules
from lead_svc.domain.gates import QualificationGates
from lead_svc.domain.scoring import Activity, Prospect, Score, ScoringRules, rules_from_document

Lead = dict[str, Any]
"""A row of `leads` as a dict: the state handlers decide on."""

TRACKED_FIELDS = (
    "email",
    "full_name",
    "company",
    "country",
    "employees",
    "title",
    "industry",
    "product_interest",
    "marketing_consent",
    "status",
    "score",
    "team",
    "owner_id",
    "disqualification_reason",
    "merged_into",
)
PERSONAL_FIELDS = ("email", "full_name", "title")


async def load_lead(uow: UnitOfWork, lead_id: UUID, *, for_update: bool = True) -> Lead:
    query = sa.select(leads).where(leads.c.id == lead_id)
    row = (await uow.session.execute(query.with_for_update() if for_update else query)).first()
    if row is None:
        raise NotFound(f"no lead {lead_id}")
    return dict(row._mapping)


async def find_by_person(uow: UnitOfWork, key: str) -> Lead | None:
    cache = transaction_cache(uow)
    pending: PendingWrites | None = cache.get("pending")
    prefetched: dict[str, Lead | None] = cache.get("people", {})
    if pending is not None and key in pending.leads:
        await write_now(uow, cache)  # the same person twice in one batch: merge into the row
    elif key in prefetched:
        return prefetched.pop(key)  # once: a second look reads the row as it is by then
    query = sa.select(leads).where(leads.c.person_key == key).with_for_update()
    row = (await uow.session.execute(query)).first()
    return None if row is None else dict(row._mapping)


_TEXTS = ARRAY(sa.Text)
"""One array parameter (`= ANY(:keys)`) instead of an IN list: one statement text to
compile and prepare whatever the batch's size."""


async def prefetch_people(uow: UnitOfWork, keys: set[str]) -> None:
    """Read (and lock) the leads of many people in one statement, for `find_by_person`."""
    rows = await uow.session.execute(
        sa.select(leads)
        .where(leads.c.person_key == sa.any_(sa.bindparam("keys", list(keys), _TEXTS)))
        .order_by(leads.c.person_key)  # one lock order for all consumers: no deadlock
        .with_for_update()
    )
    found: dict[str, Lead | None] = dict.fromkeys(keys)
    for row in rows:
        found[row.person_key] = dict(row._mapping)
    transaction_cache(uow)["people"] = found


_per_transaction: weakref.WeakKeyDictionary[UnitOfWork, dict[str, Any]] = (
    weakref.WeakKeyDictionary()
)


def transaction_cache(uow: UnitOfWork) -> dict[str, Any]:
    """Values read once per transaction (the consumer handles a poll's records in one):
    rule sets and routing rules do not change under a running transaction's feet enough to
    matter, and reading them for every lead of a batch would double the statements."""
    return _per_transaction.setdefault(uow, {})


async def active_rules(uow: UnitOfWork) -> tuple[ScoringRules, QualificationGates]:
    cache = transaction_cache(uow)
    if "rules" not in cache:
        cache["rules"] = await _load_active_rules(uow)
    rules: tuple[ScoringRules, QualificationGates] = cache["rules"]
    return rules


async def _load_active_rules(uow: UnitOfWork) -> tuple[ScoringRules, QualificationGates]:
    row = (
        await uow.session.execute(
            sa.select(scoring_rules.c.version, scoring_rules.c.document).where(
                scoring_rules.c.active
            )
        )
    ).one()
    gates = row.document.get("gates", {})
    return rules_from_document(row.document, row.version), QualificationGates(
        **gates, version=row.version
    )


async def activities_of(uow: UnitOfWork, lead_id: UUID) -> list[Activity]:
    rows = await uow.session.execute(
        sa.select(lead_activities.c.kind, lead_activities.c.occurred_at).where(
            lead_activities.c.lead_id == lead_id
        )
    )
    return [Activity(kind, at) for kind, at in rows]


def prospect_of(lead: Lead) -> Prospect:
    return Prospect(
        email=lead["email"] or "",
        company=lead["company"],
        country=lead["country"],
        employees=lead["employees"],
        title=lead["title"],
        source=lead["source"],
        industry=lead["industry"],
    )


def apply_score(lead: Lead, score: Score) -> None:
    lead.update(
        score=score.total,
        fit_score=score.fit,
        intent_score=score.intent,
        score_items=[
            {"rule": item.rule, "points": item.points, "kind": item.kind} for item in score.items
        ],
        rule_set_version=score.rule_set_version,
    )


def changes_between(before: Lead, after: Lead) -> dict[str, list[Any]]:
    """{field: [old, new]} of the tracked fields that differ (JSON-safe values)."""
    return {
        name: [_json(before.get(name)), _json(after.get(name))]
        for name in TRACKED_FIELDS
        if before.get(name) != after.get(name)
    }


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if isinstance(value, UUID) else value


class History:
    """History entries collected during one use case and written in one statement."""

    def __init__(self, lead_id: UUID, at: datetime) -> None:
        self.lead_id = lead_id
        self.at = at
        self.entries: list[dict[str, Any]] = []

    def add(self, what: str, changes: dict[str, list[Any]] | None = None, /, **detail: Any) -> None:
        self.entries.append(
            {
                "lead_id": self.lead_id,
                "occurred_at": self.at,
                "kind": what,
                "changes": changes or {},
                "detail": {k: _json(v) for k, v in detail.items() if v is not None},
            }
        )

    async def save(self, uow: UnitOfWork) -> None:
        if self.entries:
            await uow.session.execute(sa.insert(lead_history), self.entries)


async def emit(uow: UnitOfWork, message: Message) -> None:
    """`uow.emit`, or into the bulk write while a new lead of a batch is being captured."""
    pending: PendingWrites | None = transaction_cache(uow).get("pending")
    if pending is not None and pending.collecting:
        pending.add_event(uow, message)
    else:
        await uow.emit(message)


async def insert_lead(uow: UnitOfWork, lead: Lead) -> None:
    await uow.session.execute(sa.insert(leads).values(**lead))


async def save_lead(uow: UnitOfWork, before: Lead, after: Lead) -> None:
    changed = {k: v for k, v in after.items() if before.get(k) != v and k != "id"}
    if changed:
        await uow.session.execute(
            sa.update(leads).where(leads.c.id == after["id"]).values(**changed)
        )
