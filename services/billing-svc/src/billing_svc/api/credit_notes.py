"""Credit notes by hand: finance credits an issued or paid invoice, in whole or by line, and a
second finance user approves those above the threshold."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from billing_svc.handlers import credit_notes as handlers
from l2c_runtime.audit import record_action
from l2c_runtime.auth import Principal, require
from l2c_runtime.http.params import PageDep
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas.money import Amount, DecimalStr
from l2c_schemas.text import BoundedModel

router = APIRouter(tags=["credit notes"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class CreditLineIn(BoundedModel):
    line_no: int = Field(ge=1, le=10_000)
    amount: Amount
    """The amount to credit on the line, before tax (at most what is left to credit on it)."""


class CreditNoteIn(BoundedModel):
    reason: str = Field(min_length=1, max_length=500)
    lines: list[CreditLineIn] | None = Field(default=None, min_length=1, max_length=200)
    """The lines to credit and how much of each; absent: everything left on the invoice."""


class DecisionIn(BoundedModel):
    reason: str = Field(min_length=1, max_length=500)


class CreditedLineView(BaseModel):
    line_no: int
    amount: DecimalStr


class CreditNoteRequestView(BaseModel):
    id: UUID
    invoice_id: UUID
    account_id: UUID
    currency: str
    lines: list[CreditedLineView]
    subtotal: DecimalStr
    tax_total: DecimalStr
    """Tax credited at the invoice's rate on the credited subtotal."""
    total: DecimalStr
    reason: str
    status: str
    """issued, pending_approval (above the threshold) or rejected."""
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    credit_note_id: UUID | None
    credit_note_number: str | None


class CreditNoteRequestPage(BaseModel):
    items: list[CreditNoteRequestView]
    limit: int
    offset: int


def _view(row: dict[str, Any]) -> CreditNoteRequestView:
    return CreditNoteRequestView.model_validate(row)


@router.post(
    "/invoices/{invoice_id}/credit-notes",
    status_code=status.HTTP_201_CREATED,
    response_model=CreditNoteRequestView,
)
async def credit_invoice(
    invoice_id: UUID,
    body: CreditNoteIn,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("credit-notes:write")],
) -> CreditNoteRequestView:
    """Credit an issued or paid invoice with a reason, in whole or by line: a credit note is
    issued (CreditNoteIssued: ar-svc credits the receivable; the revenue schedule is reversed
    for the credited part), or, above the approval threshold, the request waits for a second
    finance user (`status: pending_approval`). 404 for an unknown invoice, 422 for a draft,
    void or uncollectible invoice, an unknown line or more than is left to credit."""
    requested: dict[int, Decimal] | None = None
    if body.lines is not None:
        requested = {}
        for line in body.lines:  # a line named twice: the sum of its amounts
            requested[line.line_no] = requested.get(line.line_no, Decimal(0)) + line.amount
    async with runtime.unit_of_work() as uow:
        made = await handlers.request_credit_note(
            uow, invoice_id, requested, body.reason, caller.subject
        )
        await record_action(
            uow, "credit_note.request", "credit_note_request", made["id"],
            {"invoice_id": str(invoice_id), **body.model_dump(mode="json")},
        )  # fmt: skip
    return _view(made)


@router.post("/credit-note-requests/{request_id}/approve", response_model=CreditNoteRequestView)
async def approve_credit_note(
    request_id: UUID,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("corrections:approve")],
) -> CreditNoteRequestView:
    """Approve another finance user's credit note: it is issued now, within what is left to
    credit now. 403 for the requester, 409 unless it is pending, 422 when the invoice no
    longer has that much left to credit."""
    async with runtime.unit_of_work() as uow:
        decided = await handlers.approve_credit_note(uow, request_id, caller)
        await record_action(uow, "credit_note.approve", "credit_note_request", request_id)
    return _view(decided)


@router.post("/credit-note-requests/{request_id}/reject", response_model=CreditNoteRequestView)
async def reject_credit_note(
    request_id: UUID,
    body: DecisionIn,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("corrections:approve")],
) -> CreditNoteRequestView:
    """Reject another finance user's pending credit note (nothing is credited)."""
    async with runtime.unit_of_work() as uow:
        decided = await handlers.reject_credit_note(uow, request_id, caller, body.reason)
        await record_action(
            uow, "credit_note.reject", "credit_note_request", request_id,
            body.model_dump(mode="json"),
        )  # fmt: skip
    return _view(decided)


@router.get(
    "/credit-note-requests",
    response_model=CreditNoteRequestPage,
    dependencies=[require("billing:read")],
)
async def list_credit_note_requests(
    runtime: RuntimeDep,
    page: PageDep,
    status: Literal["pending_approval", "issued", "rejected"] | None = None,
    invoice_id: UUID | None = None,
    account_id: UUID | None = None,
) -> CreditNoteRequestPage:
    """Credit notes by hand, newest first (`status=pending_approval`: those to approve)."""
    async with runtime.unit_of_work() as uow:
        rows = await handlers.list_credit_note_requests(
            uow, page, status=status, invoice_id=invoice_id, account_id=account_id
        )
    return CreditNoteRequestPage(
        items=[_view(r) for r in rows], limit=page.limit, offset=page.offset
    )


@router.get(
    "/credit-note-requests/{request_id}",
    response_model=CreditNoteRequestView,
    dependencies=[require("billing:read")],
)
async def get_credit_note_request(request_id: UUID, runtime: RuntimeDep) -> CreditNoteRequestView:
    async with runtime.unit_of_work() as uow:
        return _view(await handlers.credit_note_request(uow, request_id))
