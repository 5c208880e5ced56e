"""Hand-off SLAs: the definitions (read with `insights:read`, changed with `insights:admin`,
every change a new version with who made it), and the hand-offs open, at risk or breached."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError

from insights_svc.adapters import handoffs as store
from insights_svc.adapters.facts import TooManyJourneys
from insights_svc.consumers import JOURNEY_EVENTS
from insights_svc.domain.handoffs import (
    MAX_SLA_SECONDS,
    OPEN_STATES,
    Handoff,
    InvalidDefinition,
    SlaDefinition,
)
from insights_svc.handlers import watch
from l2c_runtime.audit import record_action
from l2c_runtime.auth import require
from l2c_runtime.auth.principal import Principal
from l2c_runtime.errors import Conflict, NotFound, RuleViolation
from l2c_runtime.http.params import CodePath, PageDep, TextQuery
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas.text import MAX_TEXT, BoundedModel, Code, Note

router = APIRouter(tags=["hand-offs"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
KNOWN_STAGES = frozenset(m.__name__ for m in JOURNEY_EVENTS)
MAX_DEFINITIONS = store.MAX_DEFINITIONS


class SlaBody(BoundedModel):
    """A hand-off SLA, as created or replaced."""

    model_config = ConfigDict(str_max_length=MAX_TEXT, extra="forbid")

    from_stage: Code
    """The event that starts the hand-off, e.g. `QuoteAccepted`."""
    to_stages: list[Code] = Field(min_length=1, max_length=5)
    """Any of these events ends it (the first at or after the start)."""
    duration_seconds: int = Field(ge=60, le=MAX_SLA_SECONDS)
    """Calendar time from the start to the due time."""
    owner_team: Code
    correlate_by: Code | None = None
    """An id both events carry that ties them (e.g. `quote_id`); without it, the lead."""
    filters: dict[Code, Code] = Field(default_factory=dict, max_length=5)
    """Detail values the start event must have, e.g. `{"currency": "EUR"}`."""
    at_risk_percent: int = Field(default=80, ge=1, le=99)
    enabled: bool = True
    description: Note = ""
    expected_version: int | None = Field(default=None, ge=1)
    """When given, the change is refused (409) unless this is the current version."""


class SlaView(BaseModel):
    key: str
    version: int
    from_stage: str
    to_stages: list[str]
    duration_seconds: int
    owner_team: str
    correlate_by: str | None
    filters: dict[str, str]
    at_risk_percent: int
    enabled: bool
    description: str
    applies_from: datetime | None


class SlaPage(BaseModel):
    items: list[SlaView]
    limit: int
    offset: int
    next_offset: int | None


class SlaVersionView(BaseModel):
    key: str
    version: int
    definition: dict[str, Any]
    changed_at: datetime
    changed_by: str


class HandoffView(BaseModel):
    handoff_id: UUID
    sla_key: str
    sla_version: int
    from_stage: str
    to_stages: list[str]
    owner_team: str
    owner: str | None
    lead_id: UUID
    account_id: UUID | None
    subject_id: str | None
    state: str
    started_at: datetime
    due_at: datetime
    age_seconds: int
    overdue_seconds: int
    """How long past its due time (0 while not due)."""
    trace_id: str | None
    journey: str
    """The journey's path on this API."""


class StageSummary(BaseModel):
    open: int = 0
    at_risk: int = 0
    breached: int = 0
    oldest_age_seconds: int | None = None


class HandoffPage(BaseModel):
    now: datetime
    items: list[HandoffView]
    stages: dict[str, StageSummary]
    """Per SLA: how many hand-offs are open (all not ended), at risk and breached, and the
    age of the oldest (the stage's "stuck" list, counted)."""
    limit: int
    offset: int
    next_offset: int | None


def _view(sla: SlaDefinition) -> SlaView:
    values = dataclasses.asdict(sla)
    values["to_stages"] = list(sla.to_stages)
    values["filters"] = dict(sla.filters)
    return SlaView(**values)


def _handoff_view(handoff: Handoff, now: datetime) -> HandoffView:
    return HandoffView(
        handoff_id=handoff.handoff_id,
        sla_key=handoff.sla.key,
        sla_version=handoff.sla.version,
        from_stage=handoff.sla.from_stage,
        to_stages=list(handoff.sla.to_stages),
        owner_team=handoff.sla.owner_team,
        owner=handoff.owner,
        lead_id=handoff.lead_id,
        account_id=handoff.account_id,
        subject_id=handoff.subject_id,
        state=handoff.state(now),
        started_at=handoff.started_at,
        due_at=handoff.due_at,
        age_seconds=handoff.elapsed_seconds(now),
        overdue_seconds=max(0, int((now - handoff.due_at).total_seconds())),
        trace_id=handoff.trace_id,
        journey=f"/journeys/{handoff.lead_id}",
    )


@router.get("/handoff-slas", response_model=SlaPage, dependencies=[require("insights:read")])
async def list_slas(runtime: RuntimeDep, page: PageDep) -> SlaPage:
    """Every hand-off SLA, by key."""
    async with runtime.sessions() as session:
        found = await store.definitions(session)
    shown = page.of(found)
    more = page.offset + page.limit < len(found)
    return SlaPage(
        items=[_view(s) for s in shown],
        limit=page.limit,
        offset=page.offset,
        next_offset=page.offset + page.limit if more else None,
    )


@router.get("/handoff-slas/{key}", response_model=SlaView, dependencies=[require("insights:read")])
async def get_sla(key: CodePath, runtime: RuntimeDep) -> SlaView:
    async with runtime.sessions() as session:
        found = await store.definition(session, key)
    if found is None:
        raise NotFound(f"no hand-off SLA {key!r}")
    return _view(found)


@router.get(
    "/handoff-slas/{key}/versions",
    response_model=list[SlaVersionView],
    dependencies=[require("insights:read")],
)
async def sla_versions(key: CodePath, runtime: RuntimeDep, page: PageDep) -> list[SlaVersionView]:
    """Every version of one SLA, newest first, with who changed it and when."""
    async with runtime.sessions() as session:
        rows = await store.versions(session, key, page.limit, page.offset)
    if not rows and page.offset == 0:
        raise NotFound(f"no hand-off SLA {key!r}")
    return [
        SlaVersionView(
            key=r.key,
            version=r.version,
            definition=dict(r.definition),
            changed_at=r.changed_at,
            changed_by=r.changed_by,
        )
        for r in rows
    ]


@router.put("/handoff-slas/{key}", response_model=SlaView)
async def put_sla(
    key: CodePath,
    body: SlaBody,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("insights:admin")],
) -> SlaView:
    """Create an SLA, or change one: each change is a new version, recorded with the caller
    (the token's subject) and kept in the audit trail. A new SLA watches hand-offs that start
    from now on; a changed one judges its watched hand-offs by the new terms from now on
    (outcomes already announced stay announced)."""
    unknown = sorted({body.from_stage, *body.to_stages} - KNOWN_STAGES)
    if unknown:
        raise RuleViolation(f"unknown journey events {unknown}")
    try:
        return await _put(key, body, runtime, caller)
    except IntegrityError as exc:  # two first versions of one key at once
        raise Conflict(f"{key} was created meanwhile: read it and try again") from exc


async def _put(key: str, body: SlaBody, runtime: Runtime, caller: Principal) -> SlaView:
    async with runtime.unit_of_work() as uow:
        now = uow.clock.now()
        before = await store.definition(uow.session, key, for_update=True)
        current = before.version if before else None
        if body.expected_version is not None and body.expected_version != current:
            raise Conflict(f"{key} is at version {current}, not {body.expected_version}")
        if before is None and await store.count_definitions(uow.session) >= MAX_DEFINITIONS:
            raise RuleViolation(f"at most {MAX_DEFINITIONS} hand-off SLAs")
        sla = SlaDefinition(
            key=key,
            from_stage=body.from_stage,
            to_stages=tuple(body.to_stages),
            duration_seconds=body.duration_seconds,
            owner_team=body.owner_team,
            correlate_by=body.correlate_by,
            filters=dict(body.filters),
            at_risk_percent=body.at_risk_percent,
            enabled=body.enabled,
            version=(current or 0) + 1,
            applies_from=before.applies_from if before else now,
            description=body.description,
        )
        try:
            sla.validate()
        except InvalidDefinition as exc:
            raise RuleViolation(str(exc)) from exc
        await store.save(uow.session, sla, now, caller.subject)
        await record_action(
            uow,
            "handoff_sla.create" if before is None else "handoff_sla.change",
            "handoff_sla",
            key,
            {
                "version": sla.version,
                "before": _view(before).model_dump(mode="json") if before else None,
                "after": _view(sla).model_dump(mode="json"),
            },
        )
    return _view(sla)


@router.get("/handoffs", response_model=HandoffPage, dependencies=[require("insights:read")])
async def list_handoffs(
    runtime: RuntimeDep,
    page: PageDep,
    state: Literal["open", "at_risk", "breached"] = "open",
    sla: Annotated[str | None, Query(max_length=64)] = None,
    owner_team: TextQuery = None,
    lead_id: UUID | None = None,
) -> HandoffPage:
    """The hand-offs not yet ended, oldest first: `open` lists them all, `at_risk` those past
    their SLA's at-risk share, `breached` those past their due time; each with its age, its
    owner team and its journey. `stages` counts them per SLA."""
    now = runtime.clock.now()
    async with runtime.sessions() as session:
        definition = None
        if sla is not None:
            definition = await store.definition(session, sla)
            if definition is None:
                raise NotFound(f"no hand-off SLA {sla!r}")
        try:
            found = await watch.current_handoffs(session, now, definition)
        except TooManyJourneys as exc:
            raise RuleViolation(str(exc)) from exc
    not_ended = [
        h
        for h in found
        if h.state(now) in OPEN_STATES
        and (owner_team is None or h.sla.owner_team == owner_team)
        and (lead_id is None or h.lead_id == lead_id)
    ]
    stages: dict[str, StageSummary] = {}
    for handoff in not_ended:
        summary = stages.setdefault(handoff.sla.key, StageSummary())
        summary.open += 1
        current = handoff.state(now)
        if current == "at_risk":
            summary.at_risk += 1
        elif current == "breached":
            summary.breached += 1
        age = handoff.elapsed_seconds(now)
        summary.oldest_age_seconds = max(summary.oldest_age_seconds or 0, age)
    chosen = [h for h in not_ended if state == "open" or h.state(now) == state]
    more = page.offset + page.limit < len(chosen)
    return HandoffPage(
        now=now,
        items=[_handoff_view(h, now) for h in page.of(chosen)],
        stages=stages,
        limit=page.limit,
        offset=page.offset,
        next_offset=page.offset + page.limit if more else None,
    )
