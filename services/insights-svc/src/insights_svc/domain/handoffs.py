"""Hand-off SLAs as data, and the hand-offs they watch.

A definition says: from an event of type A (optionally only those whose journey detail
matches its filters) to the first later event of one of the types B of the same journey (and,
when it names one, with the same correlating id, e.g. the same quote), within a duration of
calendar time, owned by a team. Each start makes one hand-off per journey and correlating id
(the first start counts); it is open until its end arrives, at risk once `at_risk_percent`
of the duration has passed, breached once all of it has. Hand-offs are computed from the
journey facts whenever they are read, so they need no state of their own; only what was
announced (breached, met) is remembered, so each announcement is made once.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from insights_svc.domain.facts import DETAIL_FIELDS, Fact

HOUR = 3600
DAY = 24 * HOUR
MAX_SLA_SECONDS = 366 * DAY
KEY = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
STAGE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
CORRELATING_IDS = frozenset(
    {
        "opportunity_id",
        "quote_id",
        "contract_id",
        "order_id",
        "subscription_id",
        "invoice_id",
        "payment_id",
        "credit_note_id",
    }
)
"""Ids a definition may correlate its two events by (each journey event names its step's)."""
FILTER_FIELDS = frozenset(DETAIL_FIELDS)
"""What a filter may test: the start event's journey detail (e.g. `currency`, `team`,
`source`, `kind`, `to_stage`)."""
_NAMESPACE = uuid.UUID("6b1f3c2e-5d0a-4e43-9a57-1d2f0c7e8b11")

State = Literal["open", "at_risk", "breached", "met", "late"]
OPEN_STATES = ("open", "at_risk", "breached")
"""The states `GET /handoffs?state=` takes: `open` lists every hand-off not yet ended."""


class InvalidDefinition(ValueError):
    pass


@dataclass(frozen=True)
class SlaDefinition:
    key: str
    from_stage: str
    to_stages: tuple[str, ...]
    duration_seconds: int
    owner_team: str
    correlate_by: str | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    at_risk_percent: int = 80
    enabled: bool = True
    version: int = 1
    applies_from: datetime | None = None
    """Hand-offs that started before this time are not watched (a new or changed SLA does
    not judge the past)."""
    description: str = ""

    def validate(self) -> None:
        problems = []
        if not KEY.match(self.key):
            problems.append("key: 2-64 lower-case letters, digits or _, starting with a letter")
        for stage in (self.from_stage, *self.to_stages):
            if not STAGE.match(stage):
                problems.append(f"stage {stage!r} is not an event name")
        if not self.to_stages or len(self.to_stages) > 5:
            problems.append("to_stages: 1 to 5 event names")
        if self.from_stage in self.to_stages:
            problems.append("a hand-off cannot end with the event that starts it")
        if not 60 <= self.duration_seconds <= MAX_SLA_SECONDS:
            problems.append(f"duration_seconds: 60 to {MAX_SLA_SECONDS}")
        if not 1 <= self.at_risk_percent <= 99:
            problems.append("at_risk_percent: 1 to 99")
        if self.correlate_by is not None and self.correlate_by not in CORRELATING_IDS:
            problems.append(f"correlate_by: one of {', '.join(sorted(CORRELATING_IDS))}")
        unknown = set(self.filters) - FILTER_FIELDS
        if unknown:
            problems.append(f"filters: unknown fields {sorted(unknown)}")
        if len(self.filters) > 5:
            problems.append("filters: at most 5")
        if problems:
            raise InvalidDefinition("; ".join(problems))

    def matches_start(self, fact: Fact) -> bool:
        if fact.stage != self.from_stage:
            return False
        if self.correlate_by is not None and self.correlate_by not in fact.ids:
            return False
        return all(fact.detail.get(name) == value for name, value in self.filters.items())


@dataclass(frozen=True)
class Handoff:
    handoff_id: uuid.UUID
    sla: SlaDefinition
    lead_id: uuid.UUID
    account_id: uuid.UUID | None
    subject_id: str | None
    started_at: datetime
    owner: str | None
    trace_id: str | None
    ended_at: datetime | None = None
    ended_by: str | None = None

    @property
    def due_at(self) -> datetime:
        return self.started_at + timedelta(seconds=self.sla.duration_seconds)

    @property
    def at_risk_at(self) -> datetime:
        seconds = self.sla.duration_seconds * self.sla.at_risk_percent // 100
        return self.started_at + timedelta(seconds=seconds)

    def elapsed_seconds(self, now: datetime) -> int:
        end = self.ended_at if self.ended_at is not None else now
        return max(0, int((end - self.started_at).total_seconds()))

    def state(self, now: datetime) -> State:
        if self.ended_at is not None:
            return "met" if self.ended_at <= self.due_at else "late"
        if now >= self.due_at:
            return "breached"
        if now >= self.at_risk_at:
            return "at_risk"
        return "open"


def handoff_id(sla_key: str, lead_id: uuid.UUID, subject_id: str | None) -> uuid.UUID:
    """The same hand-off gets the same id on every pass (and in every replica)."""
    return uuid.uuid5(_NAMESPACE, f"{sla_key}/{lead_id}/{subject_id or ''}")


def handoffs(sla: SlaDefinition, facts: Iterable[Fact]) -> list[Handoff]:
    """The hand-offs of one definition among the facts (of any journeys, in any order)."""
    by_lead: dict[uuid.UUID, list[Fact]] = defaultdict(list)
    for fact in facts:
        if fact.stage == sla.from_stage or fact.stage in sla.to_stages:
            by_lead[fact.lead_id].append(fact)
    found = []
    for lead_id, lead_facts in by_lead.items():
        lead_facts.sort(key=lambda f: (f.occurred_at, f.event_id))
        starts: dict[str | None, Fact] = {}
        for fact in lead_facts:
            if not sla.matches_start(fact):
                continue
            if sla.applies_from is not None and fact.occurred_at < sla.applies_from:
                continue
            subject = fact.ids[sla.correlate_by] if sla.correlate_by else None
            starts.setdefault(subject, fact)
        for subject, start in starts.items():
            end = next(
                (
                    f
                    for f in lead_facts
                    if f.stage in sla.to_stages
                    and f.occurred_at >= start.occurred_at
                    and (sla.correlate_by is None or f.ids.get(sla.correlate_by) == subject)
                ),
                None,
            )
            found.append(
                Handoff(
                    handoff_id=handoff_id(sla.key, lead_id, subject),
                    sla=sla,
                    lead_id=lead_id,
                    account_id=start.account_id
                    or next((f.account_id for f in lead_facts if f.account_id), None),
                    subject_id=subject,
                    started_at=start.occurred_at,
                    owner=start.owner,
                    trace_id=start.trace_id,
                    ended_at=end.occurred_at if end else None,
                    ended_by=end.stage if end else None,
                )
            )
    found.sort(key=lambda h: (h.started_at, str(h.handoff_id)))
    return found


Announcement = Literal["breached", "met"]


def due_announcements(
    found: Sequence[Handoff], now: datetime, announced: Mapping[uuid.UUID, set[str]]
) -> list[tuple[Handoff, Announcement]]:
    """What to announce now, once each: a breach when a hand-off is open past its due time or
    ended late (unless announced already), a met SLA when it ended in time."""
    due: list[tuple[Handoff, Announcement]] = []
    for handoff in found:
        done = announced.get(handoff.handoff_id, set())
        state = handoff.state(now)
        if state in ("breached", "late") and "breached" not in done:
            due.append((handoff, "breached"))
        elif state == "met" and "met" not in done:
            due.append((handoff, "met"))
    return due


def start_stages(definitions: Iterable[SlaDefinition]) -> set[str]:
    """The event types the definitions read."""
    stages: set[str] = set()
    for sla in definitions:
        stages.add(sla.from_stage)
        stages.update(sla.to_stages)
    return stages
