"""billing-svc's HTTP API: read subscriptions and invoices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from billing_svc import handlers
from l2c_runtime.errors import NotFound
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas.money import DecimalStr

router = APIRouter(tags=["invoices"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class InvoiceLineView(BaseModel):
    line_no: int
    product_code: str
    description: str
    quantity: DecimalStr
    unit_price: DecimalStr
    discount_amount: DecimalStr
    amount: DecimalStr
    period_start: date
    period_end: date


class InvoiceView(BaseModel):
    id: UUID
    invoice_number: str
    subscription_id: UUID
    account_id: UUID
    lead_id: UUID
    customer_name: str
    currency: str
    status: str
    period_start: date
    period_end: date
    issue_date: date
    due_date: date
    subtotal: DecimalStr
    tax_total: DecimalStr
    total: DecimalStr
    issued_at: datetime
    lines: list[InvoiceLineView]


def _views(rows: list[dict[str, Any]]) -> list[InvoiceView]:
    return [InvoiceView.model_validate(row) for row in rows]


@router.get("/invoices", response_model=list[InvoiceView])
async def list_invoices(
    runtime: RuntimeDep,
    account_id: UUID | None = None,
    subscription_id: UUID | None = None,
    lead_id: UUID | None = None,
) -> list[InvoiceView]:
    """Invoices, oldest first, filtered by account, subscription or journey (lead)."""
    async with runtime.unit_of_work() as uow:
        rows = await handlers.list_invoices(
            uow, account_id=account_id, subscription_id=subscription_id, lead_id=lead_id
        )
    return _views(rows)


@router.get("/invoices/{invoice_id}", response_model=InvoiceView)
async def get_invoice(invoice_id: UUID, runtime: RuntimeDep) -> InvoiceView:
    async with runtime.unit_of_work() as uow:
        rows = await handlers.list_invoices(uow, id=invoice_id)
    if not rows:
        raise NotFound(f"no invoice {invoice_id}")
    return _views(rows)[0]
