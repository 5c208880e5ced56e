"""Refunds: finance pays money back out of a payment or of an account's unapplied cash."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, Field

from ar_svc.handlers import refunds as handlers
from l2c_runtime.audit import record_action
from l2c_runtime.auth import Principal, require
from l2c_runtime.http.params import PageDep
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas.money import Amount, CurrencyCode, DecimalStr
from l2c_schemas.text import BoundedModel

router = APIRouter(tags=["refunds"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class RefundIn(BoundedModel):
    refund_id: UUID
    """Chosen by the caller: sending the same refund again (a retry) changes nothing."""
    account_id: UUID
    payment_id: UUID | None = None
    """The payment to refund; absent: a refund of the account's unapplied cash."""
    currency: CurrencyCode | None = None
    """The currency of the unapplied cash to refund (a payment's refund is in its currency)."""
    amount: Amount
    reason: str = Field(min_length=1, max_length=500)


class RefundView(BaseModel):
    refund_id: UUID
    account_id: UUID
    lead_id: UUID
    payment_id: UUID | None
    currency: str
    amount: DecimalStr
    reason: str
    status: str
    """requested (sent to the gateway), completed or failed (the money is unapplied again)."""
    requested_by: str
    requested_at: datetime
    settled_at: datetime | None
    gateway_reference: str | None
    failure_reason: str | None


class RefundPage(BaseModel):
    items: list[RefundView]
    limit: int
    offset: int


@router.post("/refunds", status_code=status.HTTP_201_CREATED, response_model=RefundView)
async def request_refund(
    body: RefundIn,
    runtime: RuntimeDep,
    response: Response,
    caller: Annotated[Principal, require("refunds:write")],
) -> RefundView:
    """Refund a payment (at most its amount less what was refunded of it, out of its unapplied
    cash, then the customer's credit) or the account's unapplied cash: the money leaves the
    unapplied funds now and RefundRequested asks the payment gateway to send it. 201 when
    made, 200 when the same `refund_id` was requested before with the same terms (409 with
    other terms); 404 for an unknown payment of the account, 422 beyond what is refundable."""
    async with runtime.unit_of_work() as uow:
        command = handlers.RefundCommand(
            refund_id=body.refund_id,
            account_id=body.account_id,
            amount=body.amount,
            reason=body.reason,
            requester=caller.subject,
            payment_id=body.payment_id,
            currency=body.currency,
        )
        made, created = await handlers.request_refund(command, uow)
        if created:
            await record_action(
                uow, "refund.request", "refund", body.refund_id, body.model_dump(mode="json")
            )
    if not created:
        response.status_code = status.HTTP_200_OK
    return RefundView(**made)


@router.get("/refunds", response_model=RefundPage, dependencies=[require("payments:read")])
async def list_refunds(
    runtime: RuntimeDep,
    page: PageDep,
    status: Literal["requested", "completed", "failed"] | None = None,
    account_id: UUID | None = None,
    payment_id: UUID | None = None,
) -> RefundPage:
    """Refunds, newest first, filtered by status, account or payment."""
    async with runtime.unit_of_work() as uow:
        rows = await handlers.list_refunds(
            uow, page, status=status, account_id=account_id, payment_id=payment_id
        )
    return RefundPage(items=[RefundView(**r) for r in rows], limit=page.limit, offset=page.offset)


@router.get(
    "/refunds/{refund_id}", response_model=RefundView, dependencies=[require("payments:read")]
)
async def get_refund(refund_id: UUID, runtime: RuntimeDep) -> RefundView:
    async with runtime.unit_of_work() as uow:
        return RefundView(**await handlers.refund(uow, refund_id))
