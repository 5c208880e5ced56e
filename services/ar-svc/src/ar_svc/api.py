"""ar-svc's HTTP API: payments and account balances."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import BaseModel, Field

from ar_svc import handlers, reports
from ar_svc.domain.reports import Granularity
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas import Money
from l2c_schemas.money import DecimalStr

router = APIRouter(tags=["receivables"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
CurrencyQuery = Annotated[str, Query(pattern="^[A-Z]{3}$")]


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


class ManualApplicationIn(BaseModel):
    invoice_id: UUID
    amount: DecimalStr = Field(gt=0)
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
        return await _application_view(uow, application_id, body.invoice_id)


@router.post("/applications/{application_id}/unapply", response_model=ApplicationView)
async def unapply_application(application_id: UUID, runtime: RuntimeDep) -> ApplicationView:
    """Reverse an application with opposite postings: the cash is unapplied again and the
    invoice owes it again. 409 when it was reversed already."""
    async with runtime.unit_of_work() as uow:
        invoice = await handlers.unapply(application_id, uow)
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
    balance: DecimalStr
    """Invoices − payments − credits: what the customer owes (negative: we owe them)."""
    unapplied_cash: DecimalStr
    invoices: list[ReceivableView]


@router.get("/accounts/{account_id}/balance", response_model=BalanceView)
async def account_balance(account_id: UUID, runtime: RuntimeDep) -> BalanceView:
    async with runtime.unit_of_work() as uow:
        return BalanceView.model_validate(await handlers.account_balance(uow, account_id))


class AgingView(BaseModel):
    as_of: date
    currency: str
    buckets: dict[str, DecimalStr]
    """Open invoice balances by days past due: current, 1-30, 31-60, 61-90, 90+."""
    total: DecimalStr


@router.get("/reports/aging", response_model=AgingView, tags=["reports"])
async def aging(
    as_of: date,
    runtime: RuntimeDep,
    currency: CurrencyQuery = "EUR",
    account_id: UUID | None = None,
) -> AgingView:
    """Receivables aging as they stood at the end of `as_of` (UTC)."""
    async with runtime.unit_of_work() as uow:
        buckets = await reports.aging_report(uow, as_of, currency, account_id)
    return AgingView(
        as_of=as_of, currency=currency, buckets=buckets, total=sum(buckets.values(), Decimal(0))
    )


class DsoView(BaseModel):
    start: date
    end: date
    currency: str
    ending_receivables: DecimalStr
    credit_sales: DecimalStr
    days: int
    dso: DecimalStr | None
    """ending_receivables ÷ credit_sales × days, to 0.1 day; null without credit sales."""


@router.get("/reports/dso", response_model=DsoView, tags=["reports"])
async def dso(
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    runtime: RuntimeDep,
    currency: CurrencyQuery = "EUR",
    account_id: UUID | None = None,
) -> DsoView:
    """Days sales outstanding over [from, to]: what invoices still owe at the end of `to`,
    divided by the invoices issued in the period, times the period's days."""
    _check_range(start, end)
    async with runtime.unit_of_work() as uow:
        figures = await reports.dso_report(uow, start, end, currency, account_id)
    return DsoView(start=start, end=end, currency=currency, **figures)


class CollectedView(BaseModel):
    period_start: date
    amount: DecimalStr


class CashCollectedView(BaseModel):
    currency: str
    granularity: Granularity
    periods: list[CollectedView]
    total: DecimalStr


@router.get("/reports/cash-collected", response_model=CashCollectedView, tags=["reports"])
async def cash_collected(
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    runtime: RuntimeDep,
    granularity: Granularity = "month",
    currency: CurrencyQuery = "EUR",
    account_id: UUID | None = None,
) -> CashCollectedView:
    """Cash received per period (by the day it was received), empty periods included."""
    _check_range(start, end)
    async with runtime.unit_of_work() as uow:
        periods = await reports.cash_collected_report(
            uow, start, end, granularity, currency, account_id
        )
    return CashCollectedView(
        currency=currency,
        granularity=granularity,
        periods=[CollectedView(period_start=p.period_start, amount=p.amount) for p in periods],
        total=sum((p.amount for p in periods), Decimal(0)),
    )


def _check_range(start: date, end: date) -> None:
    if end < start:
        raise HTTPException(422, "the report's `to` is before its `from`")
    if (end - start).days > 366 * 10:
        raise HTTPException(422, "a report covers at most ten years")
