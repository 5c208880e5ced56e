"""billing-svc's HTTP API: invoices, their documents and their lifecycle
(draft → issued → paid / void / uncollectible)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from billing_svc.config import issuer_name
from billing_svc.domain.document import invoice_html, invoice_pdf
from billing_svc.handlers import invoices as handlers
from l2c_runtime.audit import record_action
from l2c_runtime.auth import require
from l2c_runtime.errors import NotFound
from l2c_runtime.http.openapi import PDF_ANSWER
from l2c_runtime.http.params import PageDep
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas.money import DecimalStr
from l2c_schemas.text import BoundedModel

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
    invoice_number: str | None
    """None while the invoice is a draft (and for a draft voided before it was issued)."""
    subscription_id: UUID
    account_id: UUID
    lead_id: UUID
    customer_name: str
    currency: str
    status: str
    period_start: date
    period_end: date
    issue_date: date | None
    due_date: date | None
    subtotal: DecimalStr
    tax_total: DecimalStr
    total: DecimalStr
    issued_at: datetime | None
    drafted_at: datetime | None = None
    tax_jurisdiction: str | None = None
    tax_rate: DecimalStr = Decimal(0)
    voided_at: datetime | None = None
    void_reason: str | None = None
    credited: DecimalStr = Decimal(0)
    """What credit notes credited on the invoice so far, tax included."""
    lines: list[InvoiceLineView]


class VoidRequest(BoundedModel):
    reason: str = Field(min_length=1, max_length=500)


def _views(rows: list[dict[str, Any]]) -> list[InvoiceView]:
    return [InvoiceView.model_validate(row) for row in rows]


InvoiceStatus = Literal["draft", "issued", "paid", "void", "uncollectible"]


async def _invoice(runtime: Runtime, invoice_id: UUID) -> dict[str, Any]:
    async with runtime.unit_of_work() as uow:
        rows = await handlers.list_invoices(uow, id=invoice_id)
    if not rows:
        raise NotFound(f"no invoice {invoice_id}")
    return rows[0]


@router.get("/invoices", response_model=list[InvoiceView], dependencies=[require("invoices:read")])
async def list_invoices(
    runtime: RuntimeDep,
    page: PageDep,
    account_id: UUID | None = None,
    subscription_id: UUID | None = None,
    lead_id: UUID | None = None,
    status: InvoiceStatus | None = None,
) -> list[InvoiceView]:
    """Invoices, oldest first, filtered by account, subscription, journey (lead) or status
    (`status=draft`: the drafts waiting for finance)."""
    async with runtime.unit_of_work() as uow:
        rows = await handlers.list_invoices(
            uow,
            account_id=account_id,
            subscription_id=subscription_id,
            lead_id=lead_id,
            status=status,
            page=page,
        )
    return _views(rows)


@router.get(
    "/invoices/{invoice_id}", response_model=InvoiceView, dependencies=[require("invoices:read")]
)
async def get_invoice(invoice_id: UUID, runtime: RuntimeDep) -> InvoiceView:
    return InvoiceView.model_validate(await _invoice(runtime, invoice_id))


@router.post(
    "/invoices/{invoice_id}/finalize",
    response_model=InvoiceView,
    dependencies=[require("invoices:write")],
)
async def finalize_invoice(invoice_id: UUID, runtime: RuntimeDep) -> InvoiceView:
    """Issue a draft: the next invoice number, issued today, InvoiceIssued (ar-svc opens the
    receivable). 409 if it is not a draft."""
    async with runtime.unit_of_work() as uow:
        await handlers.finalize_invoice(invoice_id, uow)
        await record_action(uow, "invoice.finalize", "invoice", invoice_id)
    return InvoiceView.model_validate(await _invoice(runtime, invoice_id))


@router.post(
    "/invoices/{invoice_id}/void",
    response_model=InvoiceView,
    dependencies=[require("invoices:write")],
)
async def void_invoice(invoice_id: UUID, body: VoidRequest, runtime: RuntimeDep) -> InvoiceView:
    """Cancel a draft (it never gets a number) or an issued, unpaid invoice (InvoiceVoided);
    409 if it is paid, uncollectible or void already."""
    async with runtime.unit_of_work() as uow:
        await handlers.void_invoice(invoice_id, body.reason, uow)
        await record_action(uow, "invoice.void", "invoice", invoice_id, {"reason": body.reason})
    return InvoiceView.model_validate(await _invoice(runtime, invoice_id))


@router.get(
    "/invoices/{invoice_id}/document.html",
    response_class=HTMLResponse,
    dependencies=[require("invoices:read")],
)
async def invoice_document(invoice_id: UUID, runtime: RuntimeDep) -> HTMLResponse:
    """The invoice as a printable HTML document."""
    return HTMLResponse(invoice_html(await _invoice(runtime, invoice_id), issuer_name()))


@router.get(
    "/invoices/{invoice_id}/document.pdf",
    response_class=Response,
    responses=PDF_ANSWER,
    dependencies=[require("invoices:read")],
)
async def invoice_document_pdf(invoice_id: UUID, runtime: RuntimeDep) -> Response:
    """The invoice as a PDF: the same content as the HTML document."""
    invoice = await _invoice(runtime, invoice_id)
    filename = f"invoice-{invoice['invoice_number'] or f'draft-{invoice_id}'}.pdf"
    return Response(
        invoice_pdf(invoice, issuer_name()),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
