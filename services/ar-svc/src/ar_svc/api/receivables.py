"""ar-svc's HTTP API: payments and account balances."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from annotated_types import Gt
from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, Field

from ar_svc.handlers import receivables as handlers
from l2c_runtime.audit import record_action
from l2c_runtime.auth import require
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas import Money
from l2c_schemas.money import Amount, Cash, DecimalStr
from l2c_schemas.text import BoundedModel

router = APIRouter(tags=["receivables"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class PaymentIn(BoundedModel):
    external_reference: str = Field(min_length=1, max_length=200)
    """The payer's or gateway's id of the payment; sending it twice records it once."""
    account_id: UUID
    amount: Cash
    invoice_number: str | None = Field(default=None, max_length=64)
    method: str = Field(default="bank_transfer", min_length=1, max_length=64)
    received_at: datetime | None = None


class AllocationView(BaseModel):
    invoice_id: UUID
    invoice_number: str
    amount: DecimalStr
    remaining_balance: DecimalStr
    application_id: UUID | None = None
    """To reverse it: POST /applications/{application_id}/unapply."""


class PaymentView(BaseModel):
    payment_id: UUID
    duplicate: bool
    applied: list[AllocationView] = []
    unapplied: DecimalStr | None = None


@router.post(
    "/payments",
    status_code=status.HTTP_201_CREATED,
    response_model=PaymentView,
    dependencies=[require("payments:write")],
    responses={200: {"model": PaymentView, "description": "recorded before: that payment"}},
)
async def record_payment(body: PaymentIn, runtime: RuntimeDep, response: Response) -> PaymentView:
    """Record a payment and apply it: the referenced invoice first, else the one invoice whose
    balance equals the payment, then oldest first; what is left stays unapplied and pays the
    next invoice. A repeated external reference answers 200 with the payment recorded the
    first time. 404 when the account has no receivables in that currency. A payment naming an
    invoice not issued yet stays unapplied and pays that invoice when it is issued."""
    async with runtime.unit_of_work() as uow:
        outcome = await handlers.record_payment(
            handlers.PaymentCommand(
                external_reference=body.external_reference,
                account_id=body.account_id,
                amount=body.amount,
                method=body.method,
                invoice_number=body.invoice_number,
                received_at=body.received_at or uow.clock.now(),
                wait_for_invoice=False,
            ),
            uow,
        )
        if not outcome.duplicate:
            await record_action(
                uow, "payment.record", "payment", outcome.payment_id, body.model_dump(mode="json")
            )
    if outcome.duplicate:
        response.status_code = status.HTTP_200_OK
    application = outcome.application
    return PaymentView(
        payment_id=outcome.payment_id,
        duplicate=outcome.duplicate,
        applied=[
            AllocationView(
                invoice_id=a.invoice_id,
                invoice_number=a.invoice_number,
                amount=a.amount,
                remaining_balance=a.remaining_balance,
                application_id=application_id,
            )
            for a, application_id in zip(
                application.allocations, outcome.application_ids, strict=True
            )
        ]
        if application
        else [],
        unapplied=application.unapplied if application else None,
    )


class PaymentApplicationView(BaseModel):
    application_id: UUID
    invoice_id: UUID
    invoice_number: str
    amount: DecimalStr


class PaymentDetailView(BaseModel):
    payment_id: UUID
    external_reference: str
    account_id: UUID
    amount: Money
    method: str
    status: str
    """received, or failed (no cash moved)."""
    received_at: datetime
    applications: list[PaymentApplicationView]
    """Applications in force (reversed ones are not listed)."""
    unapplied: DecimalStr


@router.get(
    "/payments/{payment_id}",
    response_model=PaymentDetailView,
    dependencies=[require("payments:read")],
)
async def payment_detail(payment_id: UUID, runtime: RuntimeDep) -> PaymentDetailView:
    """A payment, where its cash went and what of it is still unapplied."""
    async with runtime.unit_of_work() as uow:
        return PaymentDetailView.model_validate(await handlers.payment_detail(payment_id, uow))


class ManualApplicationIn(BoundedModel):
    invoice_id: UUID
    amount: Annotated[Amount, Gt(0)]
    """How much of the payment's unapplied cash to apply; at most the invoice's balance."""


class ApplicationView(BaseModel):
    application_id: UUID
    invoice_id: UUID
    invoice_balance: DecimalStr
    unapplied: DecimalStr
    """What is left of the account's unapplied cash and credit."""


@router.post(
    "/payments/{payment_id}/apply",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationView,
    dependencies=[require("payments:apply")],
)
async def apply_payment_manually(
    payment_id: UUID, body: ManualApplicationIn, runtime: RuntimeDep
) -> ApplicationView:
    """Apply part of a payment's unapplied cash to an open invoice of the same account: 422
    beyond what is unapplied or what the invoice owes, 409 when the invoice is not open."""
    async with runtime.unit_of_work() as uow:
        application_id = await handlers.apply_manually(
            payment_id, body.invoice_id, body.amount, uow
        )
        await record_action(
            uow, "payment.apply", "payment", payment_id,
            {"application_id": application_id, **body.model_dump(mode="json")},
        )  # fmt: skip
        return await _application_view(uow, application_id, body.invoice_id)


@router.post(
    "/applications/{application_id}/unapply",
    response_model=ApplicationView,
    dependencies=[require("payments:apply")],
)
async def unapply_application(application_id: UUID, runtime: RuntimeDep) -> ApplicationView:
    """Reverse an application with opposite postings: the cash is unapplied again and the
    invoice owes it again. 409 when it was reversed already."""
    async with runtime.unit_of_work() as uow:
        invoice = await handlers.unapply(application_id, uow)
        await record_action(
            uow, "application.unapply", "application", application_id,
            {"invoice_id": invoice.invoice_id},
        )  # fmt: skip
        return await _application_view(uow, application_id, invoice.invoice_id)


async def _application_view(uow: Any, application_id: UUID, invoice_id: UUID) -> ApplicationView:
    receivable = await handlers.receivable(uow, invoice_id)
    balance = await handlers.account_balance(uow, receivable.account_id)
    invoice = next(i for i in balance["invoices"] if i["invoice_id"] == invoice_id)
    return ApplicationView(
        application_id=application_id,
        invoice_id=invoice_id,
        invoice_balance=invoice["balance"],
        unapplied=balance["unapplied_cash"],
    )


class ReceivableView(BaseModel):
    invoice_id: UUID
    invoice_number: str
    currency: str
    amount: DecimalStr
    balance: DecimalStr
    status: str
    due_date: date
    dunning_step: int


class BalanceView(BaseModel):
    account_id: UUID
    currency: str | None
    """The currency of every amount below (None: the account has no postings yet)."""
    balance: DecimalStr
    """Invoices − payments − credits: what the customer owes (negative: we owe them)."""
    unapplied_cash: DecimalStr
    invoices: list[ReceivableView]


@router.get(
    "/accounts/{account_id}/balance",
    response_model=BalanceView,
    dependencies=[require("receivables:read")],
)
async def account_balance(
    account_id: UUID,
    runtime: RuntimeDep,
    currency: Annotated[str | None, Query(pattern="^[A-Z]{3}$")] = None,
) -> BalanceView:
    """422 when the account holds balances in several currencies and none is named."""
    async with runtime.unit_of_work() as uow:
        state = await handlers.account_balance_as_of_now(uow, account_id, currency)
        return BalanceView.model_validate(state)
