"""billing-svc's HTTP API: read subscriptions and invoices."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from billing_svc import handlers
from billing_svc.document import invoice_html
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
    kind: str = "recurring"


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
    tax_jurisdiction: str | None = None
    tax_rate: DecimalStr = Decimal(0)
    voided_at: datetime | None = None
    void_reason: str | None = None
    lines: list[InvoiceLineView]


class VoidRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


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


@router.post("/invoices/{invoice_id}/void", response_model=InvoiceView)
async def void_invoice(invoice_id: UUID, body: VoidRequest, runtime: RuntimeDep) -> InvoiceView:
    """Cancel an issued, unpaid invoice (409 if it is paid or void already): InvoiceVoided."""
    async with runtime.unit_of_work() as uow:
        await handlers.void_invoice(invoice_id, body.reason, uow)
        rows = await handlers.list_invoices(uow, id=invoice_id)
    return _views(rows)[0]


@router.get("/invoices/{invoice_id}/document.html", response_class=HTMLResponse)
async def invoice_document(invoice_id: UUID, runtime: RuntimeDep) -> HTMLResponse:
    """The invoice as a printable HTML document."""
    async with runtime.unit_of_work() as uow:
        rows = await handlers.list_invoices(uow, id=invoice_id)
    if not rows:
        raise NotFound(f"no invoice {invoice_id}")
    return HTMLResponse(invoice_html(rows[0]))
