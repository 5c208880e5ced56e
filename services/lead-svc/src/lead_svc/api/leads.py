"""lead-svc's HTTP API: capture, lifecycle commands and queries of leads."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Response, status
from opentelemetry import context as otel_context
from opentelemetry import trace
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import IntegrityError

from l2c_runtime.audit import record_action
from l2c_runtime.auth import Principal, require
from l2c_runtime.errors import RuleViolation
from l2c_runtime.http.params import MAX_PAGE, TextQuery
from l2c_runtime.service import Runtime, runtime_of
from l2c_runtime.telemetry import LEAD_ID, TRACER, journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import LeadSubmitted
from l2c_schemas.text import BoundedModel
from lead_svc import handlers

router = APIRouter(prefix="/leads", tags=["leads"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
MAX_BULK = 1000


class LeadView(BaseModel):
    lead_id: UUID
    status: str
    score: int
    fit_score: int
    intent_score: int
    score_items: list[dict[str, Any]]
    rule_set_version: int | None
    company: str
    email: str | None
    full_name: str | None
    country: str | None
    employees: int | None
    title: str | None
    industry: str | None
    product_interest: str | None
    source: str
    campaign: str | None
    attribution: dict[str, Any]
    marketing_consent: bool | None
    company_key: str | None
    team: str | None
    owner_id: str | None
    first_contact_due_at: datetime | None
    contacted_at: datetime | None
    sla_breached_at: datetime | None
    disqualification_reason: str | None
    merged_into: UUID | None
    erased: bool
    captured_at: datetime
    outcome: Literal["created", "merged"] | None = None


def view(row: dict[str, Any], outcome: Literal["created", "merged"] | None = None) -> LeadView:
    fields = {name: row.get(name) for name in LeadView.model_fields if name in row}
    return LeadView(
        **fields, lead_id=row["id"], erased=row["erased_at"] is not None, outcome=outcome
    )


async def _capture(submission: LeadSubmitted, runtime: Runtime) -> LeadView:
    for attempt in (1, 2):
        try:
            async with runtime.unit_of_work() as uow:
                lead_id, outcome = await handlers.capture_lead(submission, uow)
                row = await handlers.find_lead(lead_id, uow)
            # the request's span starts the lead's trace: name the lead on it
            trace.get_current_span().set_attribute(LEAD_ID, str(lead_id))
            break
        except IntegrityError as exc:
            # The same person captured at the same moment elsewhere (another request, the
            # intake consumer): the unique person key refused ours; now it merges into theirs.
            if attempt == 2 or "ux_leads_person" not in str(exc.orig):
                raise
    assert row is not None
    return view(row, outcome)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=LeadView,
    dependencies=[require("leads:submit")],
    responses={200: {"model": LeadView, "description": "merged into the same person's lead"}},
)
async def capture_lead(
    submission: LeadSubmitted, runtime: RuntimeDep, response: Response
) -> LeadView:
    """Capture a lead (web form, import, API). The same person's earlier lead absorbs it
    instead (200, outcome `merged`). It is scored, gated and routed at once."""
    lead = await _capture(submission, runtime)
    if lead.outcome == "merged":
        response.status_code = status.HTTP_200_OK
    return lead


class BulkItemResult(BaseModel):
    index: int
    outcome: Literal["created", "merged", "rejected"]
    lead_id: UUID | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list)


class BulkResult(BaseModel):
    created: int
    merged: int
    rejected: int
    results: list[BulkItemResult]


@router.post("/bulk", response_model=BulkResult, dependencies=[require("leads:submit")])
async def capture_leads_in_bulk(
    runtime: RuntimeDep,
    items: Annotated[list[dict[str, Any]], Body(max_length=MAX_BULK)],
) -> BulkResult:
    """Capture up to 1000 leads (a list import). Each item is all-or-nothing on its own: a
    bad item is rejected with its reasons and the others are still captured."""
    results: list[BulkItemResult] = []
    request = trace.get_current_span()
    for index, item in enumerate(items):
        try:
            submission = LeadSubmitted.model_validate(item)
        except ValidationError as exc:
            errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
            results.append(BulkItemResult(index=index, outcome="rejected", errors=errors))
            continue
        try:
            # one lead, one trace: each item's starts here, linked to the import request's
            with TRACER.start_as_current_span(
                "lead capture",
                context=otel_context.Context(),
                links=[trace.Link(request.get_span_context())],
                attributes={"l2c.bulk_index": index},
                # a rejected item is an answer, not a failure (the request records errors)
                record_exception=False,
                set_status_on_exception=False,
            ):
                lead = await _capture(submission, runtime)
        except RuleViolation as exc:
            error = [{"loc": [], "msg": str(exc)}]
            results.append(BulkItemResult(index=index, outcome="rejected", errors=error))
            continue
        assert lead.outcome is not None
        results.append(BulkItemResult(index=index, outcome=lead.outcome, lead_id=lead.lead_id))
    count = {kind: sum(r.outcome == kind for r in results) for kind in ("created", "merged")}
    return BulkResult(
        created=count["created"],
        merged=count["merged"],
        rejected=len(results) - count["created"] - count["merged"],
        results=results,
    )


class LeadPage(BaseModel):
    items: list[LeadView]
    next_cursor: str | None


@router.get("", response_model=LeadPage)
async def list_leads(
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("leads:read")],
    status_: Annotated[str | None, Query(alias="status", max_length=64)] = None,
    source: TextQuery = None,
    owner_id: TextQuery = None,
    team: TextQuery = None,
    q: TextQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> LeadPage:
    """Leads newest first; filter by status, source, owner or team; `q` searches company
    and e-mail. Pass `next_cursor` back as `cursor` for the next page."""
    async with runtime.unit_of_work() as uow:
        rows, next_cursor = await handlers.list_leads(
            uow,
            status=status_,
            source=source,
            owner_id=owner_id,
            team=team,
            q=q,
            limit=limit,
            cursor=cursor,
            visible_to=caller,
        )
    return LeadPage(items=[view(r) for r in rows], next_cursor=next_cursor)


@router.get("/{lead_id}", response_model=LeadView)
async def get_lead(
    lead_id: UUID, runtime: RuntimeDep, caller: Annotated[Principal, require("leads:read")]
) -> LeadView:
    async with runtime.unit_of_work() as uow:
        row = await _find_visible(lead_id, caller, uow)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no lead {lead_id}")
    return view(row)


class TimelineEntry(BaseModel):
    at: datetime
    kind: str
    lead_id: UUID
    changes: dict[str, Any]
    detail: dict[str, Any]


@router.get("/{lead_id}/timeline", response_model=list[TimelineEntry])
async def lead_timeline(
    lead_id: UUID, runtime: RuntimeDep, caller: Annotated[Principal, require("leads:read")]
) -> list[TimelineEntry]:
    """Every change of the lead (and of duplicates merged into it) and every engagement."""
    async with runtime.unit_of_work() as uow:
        if await _find_visible(lead_id, caller, uow) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no lead {lead_id}")
        entries = await handlers.timeline(lead_id, uow)
    return [TimelineEntry(**entry) for entry in entries]


class MergeRequest(BoundedModel):
    duplicate_id: UUID


class DisqualifyRequest(BoundedModel):
    reason: str = Field(min_length=1, max_length=100)
    note: str = Field(default="", max_length=2000)


class RecycleRequest(BoundedModel):
    reason: str = Field(default="", max_length=2000)


class AssignRequest(BoundedModel):
    owner_id: str | None = Field(default=None, max_length=200)
    team: str | None = Field(default=None, max_length=200)


class ContactRequest(BoundedModel):
    owner_id: str | None = Field(default=None, max_length=200)
    channel: str | None = Field(default=None, max_length=50)


async def _find_visible(lead_id: UUID, caller: Principal, uow: UnitOfWork) -> dict[str, Any] | None:
    """The lead, or None when it does not exist or `caller` may not see it (another team's
    lead is answered like a missing one, so ids cannot be probed)."""
    row = await handlers.find_lead(lead_id, uow)
    if row is None or not caller.may_see(row["owner_id"], row["team"]):
        return None
    return row


async def _act(
    runtime: Runtime,
    caller: Principal,
    lead_id: UUID,
    action: str,
    act: Callable[[UnitOfWork], Awaitable[dict[str, Any]]],
) -> LeadView:
    """A person's action on a lead, in one unit of work, joining the lead's journey trace."""
    async with runtime.unit_of_work() as uow:
        row = await _find_visible(lead_id, caller, uow)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no lead {lead_id}")
        with journey_span(action, row["traceparent"], {"l2c.lead_id": str(lead_id)}):
            return view(await act(uow))


@router.post("/{lead_id}/merge", response_model=LeadView)
async def merge_lead(
    lead_id: UUID,
    body: MergeRequest,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("leads:write")],
) -> LeadView:
    """Merge `duplicate_id` into this lead, keeping both histories (LeadMerged)."""
    return await _act(
        runtime,
        caller,
        lead_id,
        "merge lead",
        lambda uow: handlers.merge_leads(lead_id, body.duplicate_id, uow),
    )


@router.post("/{lead_id}/disqualify", response_model=LeadView)
async def disqualify_lead(
    lead_id: UUID,
    body: DisqualifyRequest,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("leads:write")],
) -> LeadView:
    """Rule the lead out with a reason code (no_budget, competitor, spam, …)."""
    return await _act(
        runtime,
        caller,
        lead_id,
        "disqualify lead",
        lambda uow: handlers.disqualify(lead_id, body.reason, body.note, uow),
    )


@router.post("/{lead_id}/recycle", response_model=LeadView)
async def recycle_lead(
    lead_id: UUID,
    body: RecycleRequest,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("leads:write")],
) -> LeadView:
    return await _act(
        runtime,
        caller,
        lead_id,
        "recycle lead",
        lambda uow: handlers.recycle(lead_id, body.reason, uow),
    )


@router.post("/{lead_id}/assign", response_model=LeadView)
async def reassign_lead(
    lead_id: UUID,
    body: AssignRequest,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("leads:write")],
) -> LeadView:
    """Reassign to a named rep, or to the next rep in the (given) team's rotation."""
    return await _act(
        runtime,
        caller,
        lead_id,
        "reassign lead",
        lambda uow: handlers.reassign(lead_id, uow, body.owner_id, body.team),
    )


@router.post("/{lead_id}/contacted", response_model=LeadView)
async def lead_contacted(
    lead_id: UUID,
    body: ContactRequest,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("leads:write")],
) -> LeadView:
    """Record the first contact; it stops the first-contact SLA."""
    return await _act(
        runtime,
        caller,
        lead_id,
        "first contact",
        lambda uow: handlers.record_contact(lead_id, uow, body.owner_id, body.channel),
    )


@router.post("/{lead_id}/erase", response_model=LeadView)
async def erase_lead(
    lead_id: UUID, runtime: RuntimeDep, caller: Annotated[Principal, require("leads:erase")]
) -> LeadView:
    """Erase the person's data here and, through LeadErased, everywhere else."""

    async def erase(uow: UnitOfWork) -> dict[str, Any]:
        await record_action(uow, "lead.erase", "lead", lead_id)
        return await handlers.erase_lead(lead_id, uow)

    return await _act(runtime, caller, lead_id, "erase lead", erase)
