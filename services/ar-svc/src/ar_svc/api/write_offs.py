"""Write-offs by hand: finance asks, a second finance user approves or rejects, and an
approved write-off can be reversed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from ar_svc.handlers import write_offs as handlers
from l2c_runtime.audit import record_action
from l2c_runtime.auth import Principal, require
from l2c_runtime.http.params import PageDep
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas.money import DecimalStr
from l2c_schemas.text import BoundedModel

router = APIRouter(tags=["write-offs"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class ReasonIn(BoundedModel):
    reason: str = Field(min_length=1, max_length=500)


class WriteOffView(BaseModel):
    write_off_id: UUID
    invoice_id: UUID
    account_id: UUID
    currency: str
    amount: DecimalStr
    """The open balance asked to write off; once approved, the balance written off."""
    reason: str
    status: str
    """pending_approval, written_off, rejected or reversed."""
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    reversed_by: str | None
    reversed_at: datetime | None
    reversal_reason: str | None


class WriteOffPage(BaseModel):
    items: list[WriteOffView]
    limit: int
    offset: int


@router.post(
    "/invoices/{invoice_id}/write-offs",
    status_code=status.HTTP_201_CREATED,
    response_model=WriteOffView,
)
async def request_write_off(
    invoice_id: UUID,
    body: ReasonIn,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("write-offs:write")],
) -> WriteOffView:
    """Ask to write off what is open on an invoice, with a reason: it waits for a second
    finance user's approval. 404 for an unknown invoice, 409 unless it is open or when a
    write-off of it already waits, 422 when nothing is open on it."""
    async with runtime.unit_of_work() as uow:
        made = await handlers.request_write_off(uow, invoice_id, body.reason, caller.subject)
        await record_action(
            uow, "write_off.request", "write_off", made["write_off_id"],
            {"invoice_id": str(invoice_id), **body.model_dump(mode="json")},
        )  # fmt: skip
    return WriteOffView(**made)


@router.post("/write-offs/{write_off_id}/approve", response_model=WriteOffView)
async def approve_write_off(
    write_off_id: UUID,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("corrections:approve")],
) -> WriteOffView:
    """Approve another finance user's write-off: what is open on the invoice now is written
    off (InvoiceWrittenOff; billing marks the invoice uncollectible). 403 for the requester,
    409 unless it is pending and the invoice still open."""
    async with runtime.unit_of_work() as uow:
        decided = await handlers.approve_write_off(uow, write_off_id, caller)
        await record_action(uow, "write_off.approve", "write_off", write_off_id)
    return WriteOffView(**decided)


@router.post("/write-offs/{write_off_id}/reject", response_model=WriteOffView)
async def reject_write_off(
    write_off_id: UUID,
    body: ReasonIn,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("corrections:approve")],
) -> WriteOffView:
    """Reject another finance user's pending write-off: the invoice stays as it is."""
    async with runtime.unit_of_work() as uow:
        decided = await handlers.reject_write_off(uow, write_off_id, caller, body.reason)
        await record_action(
            uow, "write_off.reject", "write_off", write_off_id, body.model_dump(mode="json")
        )
    return WriteOffView(**decided)


@router.post("/write-offs/{write_off_id}/reverse", response_model=WriteOffView)
async def reverse_write_off(
    write_off_id: UUID,
    body: ReasonIn,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("write-offs:write")],
) -> WriteOffView:
    """Reverse an approved write-off, with a reason: the invoice owes the amount again and is
    open (WriteOffReversed; billing marks it issued again); the dunning job does not take it
    up again by itself. 409 unless it was written off."""
    async with runtime.unit_of_work() as uow:
        reversed_ = await handlers.reverse_write_off(uow, write_off_id, body.reason, caller.subject)
        await record_action(
            uow, "write_off.reverse", "write_off", write_off_id, body.model_dump(mode="json")
        )
    return WriteOffView(**reversed_)


@router.get("/write-offs", response_model=WriteOffPage, dependencies=[require("receivables:read")])
async def list_write_offs(
    runtime: RuntimeDep,
    page: PageDep,
    status: Literal["pending_approval", "written_off", "rejected", "reversed"] | None = None,
    account_id: UUID | None = None,
    invoice_id: UUID | None = None,
) -> WriteOffPage:
    """Write-offs by hand, newest first (`status=pending_approval`: those to approve)."""
    async with runtime.unit_of_work() as uow:
        rows = await handlers.list_write_offs(
            uow, page, status=status, account_id=account_id, invoice_id=invoice_id
        )
    return WriteOffPage(
        items=[WriteOffView(**r) for r in rows], limit=page.limit, offset=page.offset
    )


@router.get(
    "/write-offs/{write_off_id}",
    response_model=WriteOffView,
    dependencies=[require("receivables:read")],
)
async def get_write_off(write_off_id: UUID, runtime: RuntimeDep) -> WriteOffView:
    async with runtime.unit_of_work() as uow:
        return WriteOffView(**await handlers.write_off(uow, write_off_id))
