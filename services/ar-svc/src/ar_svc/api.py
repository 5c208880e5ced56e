"""ar-svc's HTTP API: payments and account balances."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, Field

from ar_svc import handlers
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas import Money
from l2c_schemas.money import DecimalStr

router = APIRouter(tags=["receivables"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class PaymentIn(BaseModel):
    external_reference: str = Field(min_length=1, max_length=200)
    """The payer's or gateway's id of the payment; sending it twice records it once."""
    account_id: UUID
    amount: Money
    invoice_number: str | None = None
    method: str = "bank_transfer"
    received_at: datetime | None = None


class AllocationView(BaseModel):
    invoice_id: UUID
    invoice_number: str
    amount: DecimalStr
    remaining_balance: DecimalStr


class PaymentView(BaseModel):
    payment_id: UUID
    duplicate: bool
    applied: list[AllocationView] = []
    unapplied: DecimalStr | None = None


@router.post("/payments", status_code=status.HTTP_201_CREATED, response_model=PaymentView)
async def record_payment(body: PaymentIn, runtime: RuntimeDep, response: Response) -> PaymentView:
    """Record a payment and apply it: the referenced invoice first, then oldest first.
    A repeated external reference answers 200 with the payment recorded the first time."""
    async with runtime.unit_of_work() as uow:
        outcome = await handlers.record_payment(
            handlers.PaymentCommand(
                external_reference=body.external_reference,
                account_id=body.account_id,
                amount=body.amount,
                method=body.method,
                invoice_number=body.invoice_number,
                received_at=body.received_at or uow.clock.now(),
            ),
            uow,
        )
    if outcome.duplicate:
        response.status_code = status.HTTP_200_OK
    application = outcome.application
    return PaymentView(
        payment_id=outcome.payment_id,
        duplicate=outcome.duplicate,
        applied=[
            AllocationView.model_validate(a, from_attributes=True) for a in application.allocations
        ]
        if application
        else [],
        unapplied=application.unapplied if application else None,
    )


class ReceivableView(BaseModel):
    invoice_id: UUID
    invoice_number: str
    currency: str
    amount: DecimalStr
    balance: DecimalStr
    status: str
    due_date: date


class BalanceView(BaseModel):
    account_id: UUID
    balance: DecimalStr
    """Invoices − payments − credits: what the customer owes (negative: we owe them)."""
    unapplied_cash: DecimalStr
    invoices: list[ReceivableView]


@router.get("/accounts/{account_id}/balance", response_model=BalanceView)
async def account_balance(account_id: UUID, runtime: RuntimeDep) -> BalanceView:
    async with runtime.unit_of_work() as uow:
        return BalanceView.model_validate(await handlers.account_balance(uow, account_id))
