"""Invoice disputes: a customer (through an integration) or finance opens one, finance
resolves it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field

from ar_svc.domain.disputes import Opener
from ar_svc.handlers import disputes as handlers
from l2c_runtime.audit import record_action
from l2c_runtime.auth import Principal, require
from l2c_runtime.http.params import PageDep
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas.money import Amount, DecimalStr
from l2c_schemas.text import BoundedModel

router = APIRouter(tags=["disputes"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class DisputeIn(BoundedModel):
    amount: Amount
    """The part of the invoice disputed (at most its total), in the invoice's currency."""
    reason: str = Field(min_length=1, max_length=500)


class ResolutionIn(BoundedModel):
    outcome: Literal["upheld", "rejected"]
    """`upheld`: a credit note of the disputed amount credits the invoice."""
    reason: str = Field(min_length=1, max_length=500)


class DisputeView(BaseModel):
    dispute_id: UUID
    invoice_id: UUID
    lead_id: UUID
    account_id: UUID
    currency: str
    amount: DecimalStr
    reason: str
    opened_by: str
    """`customer` (opened through an integration) or `finance`."""
    opened_at: datetime
    status: str
    """open, upheld or rejected."""
    resolution_reason: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    credit_note_id: UUID | None


class DisputePage(BaseModel):
    items: list[DisputeView]
    limit: int
    offset: int


@router.post(
    "/invoices/{invoice_id}/disputes",
    status_code=status.HTTP_201_CREATED,
    response_model=DisputeView,
)
async def open_dispute(
    invoice_id: UUID,
    body: DisputeIn,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("disputes:write")],
) -> DisputeView:
    """Dispute part of an issued invoice: dunning of it pauses until the dispute is resolved.
    404 for an unknown invoice, 409 when it already has an open dispute, 422 for a voided or
    written-off invoice or an amount beyond its total."""
    opener: Opener = "finance" if "finance" in caller.roles else "customer"
    async with runtime.unit_of_work() as uow:
        command = handlers.OpenDispute(invoice_id, body.amount, body.reason, opener, caller.subject)
        opened = await handlers.open_dispute(command, uow)
        await record_action(
            uow, "dispute.open", "dispute", opened["dispute_id"], body.model_dump(mode="json")
        )
    return DisputeView(**opened)


@router.post("/disputes/{dispute_id}/resolve", response_model=DisputeView)
async def resolve_dispute(
    dispute_id: UUID,
    body: ResolutionIn,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("disputes:resolve")],
) -> DisputeView:
    """Uphold (a credit note of the disputed amount credits the invoice; what the invoice no
    longer owes stays as customer credit) or reject a dispute; dunning resumes. 409 when it
    was resolved already."""
    async with runtime.unit_of_work() as uow:
        resolved = await handlers.resolve_dispute(
            uow, dispute_id, body.outcome, body.reason, caller.subject
        )
        await record_action(
            uow, "dispute.resolve", "dispute", dispute_id, body.model_dump(mode="json")
        )
    return DisputeView(**resolved)


@router.get("/disputes", response_model=DisputePage, dependencies=[require("receivables:read")])
async def list_disputes(
    runtime: RuntimeDep,
    page: PageDep,
    status: Annotated[Literal["open", "upheld", "rejected"] | None, Query()] = None,
    account_id: UUID | None = None,
    invoice_id: UUID | None = None,
) -> DisputePage:
    """Disputes, newest first, filtered by status, account or invoice."""
    async with runtime.unit_of_work() as uow:
        rows = await handlers.list_disputes(
            uow, status, account_id, invoice_id, page.limit, page.offset
        )
    return DisputePage(items=[DisputeView(**r) for r in rows], limit=page.limit, offset=page.offset)


@router.get(
    "/disputes/{dispute_id}",
    response_model=DisputeView,
    dependencies=[require("receivables:read")],
)
async def get_dispute(dispute_id: UUID, runtime: RuntimeDep) -> DisputeView:
    async with runtime.unit_of_work() as uow:
        return DisputeView(**await handlers.dispute(uow, dispute_id))
