"""cpq-svc's HTTP API for quotes: create, revise, approve, send, accept, reject, documents."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from annotated_types import Ge, Gt, Le
from fastapi import APIRouter, Depends, HTTPException, Path, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from cpq_svc.adapters.quote_queries import approval_audit_rows, quote_ids_of_opportunity
from cpq_svc.adapters.quote_store import Quote, find_quote
from cpq_svc.domain.document import render_html, render_pdf
from cpq_svc.domain.quote_pricing import RequestedLine
from cpq_svc.handlers import lifecycle
from cpq_svc.handlers import quotes as handlers
from cpq_svc.handlers.documents import quote_document
from l2c_runtime.audit import record_action
from l2c_runtime.auth import Principal, require
from l2c_runtime.http.openapi import PDF_ANSWER
from l2c_runtime.http.params import PageDep
from l2c_runtime.service import Runtime, runtime_of
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import DecimalStr, PricedLine
from l2c_schemas.cpq import MAX_TRIAL_DAYS, BillingPeriod, LineWaterfall, QuoteTotals, UsageRate
from l2c_schemas.money import CurrencyCode, DecimalBounds, Percent
from l2c_schemas.text import BoundedModel

router = APIRouter()
MAX_QUOTE_LINES = 200
LineQuantity = Annotated[DecimalStr, DecimalBounds(9, 4), Gt(0)]
"""Up to a billion units: times any list price it still fits the NUMERIC(18,2) amounts."""
DiscountPercent = Annotated[Percent, Ge(0), Le(100)]
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
Reader = Annotated[Principal, require("quotes:read")]
Writer = Annotated[Principal, require("quotes:write")]
Approver = Annotated[Principal, require("quotes:approve")]


class LineRequest(BoundedModel):
    product_code: str = Field(min_length=1, max_length=64, examples=["PLAT-SEAT"])
    quantity: LineQuantity = Field(examples=["25"])
    discount_percent: DiscountPercent = Field(default=Decimal(0), examples=["10"])
    options: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=100, description="a bundle's chosen options"
    )


class QuoteTermsRequest(BoundedModel):
    currency: CurrencyCode = Field(examples=["EUR"])
    term_months: int = Field(default=12, ge=1, le=120)
    billing_period: BillingPeriod = "month"
    payment_terms_days: int = Field(default=30, ge=0, le=365)
    trial_days: int = Field(
        default=0, ge=0, le=MAX_TRIAL_DAYS, description="free days from the contract's start"
    )
    trial_requires_payment_method: bool = False
    quote_discount_percent: DiscountPercent = Field(default=Decimal(0), examples=["5"])
    price_book: str | None = Field(default=None, max_length=64, examples=["standard"])
    segment: str | None = Field(default=None, max_length=64, examples=["enterprise"])
    validity_days: int = Field(default=30, ge=1, le=365, description="the quote's prices hold")
    lines: list[LineRequest] = Field(min_length=1, max_length=MAX_QUOTE_LINES)


class CreateQuote(QuoteTermsRequest):
    opportunity_id: UUID


class Decision(BoundedModel):
    """The approver is the caller (their token), never a name in the body."""

    comment: str | None = Field(default=None, max_length=2000)


class CustomerRejection(BoundedModel):
    reason: str | None = Field(default=None, max_length=2000)


class ApprovalView(BaseModel):
    step_no: int
    role: str
    threshold_percent: DecimalStr
    status: str
    actor: str | None
    comment: str | None
    decided_at: datetime | None


class QuoteView(BaseModel):
    quote_id: UUID
    opportunity_id: UUID
    lead_id: UUID
    account_id: UUID
    owner: str | None
    team: str | None
    customer_name: str
    version: int
    status: str
    currency: str
    price_book: str
    priced_on: date | None
    term_months: int
    billing_period: BillingPeriod
    payment_terms_days: int
    trial_days: int
    trial_requires_payment_method: bool
    quote_discount_percent: DecimalStr
    discretionary_percent: DecimalStr
    """The highest discount a salesperson gave on a line: what the approval policy judged."""
    lines: list[PricedLine]
    waterfalls: list[LineWaterfall]
    usage_rates: list[UsageRate]
    totals: QuoteTotals
    approvals: list[ApprovalView]
    valid_until: date
    revision_of: UUID | None
    created_at: datetime
    sent_at: datetime | None
    accepted_at: datetime | None
    rejected_at: datetime | None
    expired_at: datetime | None


class AuditEntry(BaseModel):
    step_no: int
    role: str
    decision: Literal["requested", "approved", "rejected", "auto_approved"]
    actor: str
    comment: str | None
    decided_at: datetime


def _requested(
    request: QuoteTermsRequest, opportunity_id: UUID, caller: Principal
) -> handlers.QuoteRequest:
    return handlers.QuoteRequest(
        opportunity_id=opportunity_id,
        created_by=caller.subject,
        currency=request.currency,
        term_months=request.term_months,
        billing_period=request.billing_period,
        payment_terms_days=request.payment_terms_days,
        trial_days=request.trial_days,
        trial_requires_payment_method=request.trial_requires_payment_method,
        quote_discount_percent=request.quote_discount_percent,
        price_book=request.price_book,
        segment=request.segment,
        validity_days=request.validity_days,
        lines=[
            RequestedLine(
                line.product_code, line.quantity, line.discount_percent, tuple(line.options)
            )
            for line in request.lines
        ],
    )


@router.post(
    "/quotes", status_code=status.HTTP_201_CREATED, response_model=QuoteView, tags=["quotes"]
)
async def create_quote(request: CreateQuote, runtime: RuntimeDep, caller: Writer) -> Response:
    """Quote an opportunity: bundles are expanded, configuration rules checked, and each line is
    priced from today's price book with its discount waterfall, frozen on the quote. A discount
    beyond policy makes the quote `pending_approval`. 404 if the opportunity has not reached
    cpq-svc yet; 422 names an unknown product, a missing price or the configuration rule broken."""
    async with runtime.unit_of_work() as uow:
        requested = _requested(request, request.opportunity_id, caller)
        quote = await handlers.create_quote(requested, uow, visible_to=caller)
    return _json(_view(quote), status.HTTP_201_CREATED)


@router.get("/quotes", response_model=list[QuoteView], tags=["quotes"])
async def list_quotes(
    opportunity_id: UUID, runtime: RuntimeDep, caller: Reader, page: PageDep
) -> list[QuoteView]:
    """Every version quoted for an opportunity, oldest first."""
    async with runtime.unit_of_work() as uow:
        ids = await quote_ids_of_opportunity(uow, opportunity_id, caller, page)
    return [_view(await _load(quote_id, runtime, caller)) for quote_id in ids]


@router.get("/quotes/{quote_id}", response_model=QuoteView, tags=["quotes"])
async def get_quote(quote_id: UUID, runtime: RuntimeDep, caller: Reader) -> Response:
    return await _current(quote_id, runtime, caller)


@router.post(
    "/quotes/{quote_id}/revise",
    status_code=status.HTTP_201_CREATED,
    response_model=QuoteView,
    tags=["quotes"],
)
async def revise_quote(
    quote_id: UUID, runtime: RuntimeDep, caller: Writer, changes: QuoteTermsRequest | None = None
) -> Response:
    """A new version of the quote (lines and terms as given, else copied); the old version is
    superseded. 409 for an accepted or superseded version."""
    async with runtime.unit_of_work() as uow:
        await _visible(uow, quote_id, caller)
        requested = None if changes is None else _requested(changes, quote_id, caller)
        revision = await handlers.revise_quote(quote_id, requested, uow, caller.subject)
    return _json(_view(revision), status.HTTP_201_CREATED)


@router.post(
    "/quotes/{quote_id}/approvals/{step_no}/{decision}",
    response_model=QuoteView,
    tags=["approvals"],
)
async def decide_approval(
    quote_id: UUID,
    step_no: Annotated[int, Path(ge=1, le=100)],
    decision: Literal["approve", "reject"],
    runtime: RuntimeDep,
    caller: Approver,
    body: Decision | None = None,
) -> Response:
    """An approver approves or rejects step `step_no` of the quote's approval chain (audited).
    Steps are decided in order; 409 says which step is waiting or why it cannot be decided."""
    async with runtime.unit_of_work() as uow:
        await _visible(uow, quote_id, caller)
        await lifecycle.decide_approval(
            quote_id,
            step_no,
            decision == "approve",
            caller,
            None if body is None else body.comment,
            uow,
        )
        await record_action(
            uow,
            f"quote.approval.{decision}",
            "quote",
            quote_id,
            {"step_no": step_no, "comment": None if body is None else body.comment},
        )
        return await _in(uow, quote_id)


@router.get(
    "/quotes/{quote_id}/approvals/audit", response_model=list[AuditEntry], tags=["approvals"]
)
async def approval_history(quote_id: UUID, runtime: RuntimeDep, caller: Reader) -> list[AuditEntry]:
    """Who requested, approved or rejected what, when, with which comment."""
    await _load(quote_id, runtime, caller)
    async with runtime.unit_of_work() as uow:
        rows = await approval_audit_rows(uow, quote_id)
    return [AuditEntry.model_validate(dict(r)) for r in rows]


@router.post("/quotes/{quote_id}/send", response_model=QuoteView, tags=["quotes"])
async def send_quote(quote_id: UUID, runtime: RuntimeDep, caller: Writer) -> Response:
    """Send the quote to the customer; 409 while an approval is pending or after it expired."""
    async with runtime.unit_of_work() as uow:
        await _visible(uow, quote_id, caller)
        await lifecycle.send_quote(quote_id, uow)
        return await _in(uow, quote_id)


@router.post("/quotes/{quote_id}/accept", response_model=QuoteView, tags=["quotes"])
async def accept_quote(quote_id: UUID, runtime: RuntimeDep, caller: Writer) -> Response:
    """The customer accepts the quote (draft within policy, approved or sent); 409 with the
    reason while an approval is pending, after it expired, or when it is already decided."""
    async with runtime.unit_of_work() as uow:
        await _visible(uow, quote_id, caller)
        await lifecycle.accept_quote(quote_id, uow)
        return await _in(uow, quote_id)


@router.post("/quotes/{quote_id}/reject", response_model=QuoteView, tags=["quotes"])
async def reject_quote(
    quote_id: UUID, runtime: RuntimeDep, caller: Writer, body: CustomerRejection | None = None
) -> Response:
    """The customer declines the quote."""
    body = body or CustomerRejection()
    async with runtime.unit_of_work() as uow:
        await _visible(uow, quote_id, caller)
        await lifecycle.reject_quote(quote_id, caller.subject, body.reason, uow)
        return await _in(uow, quote_id)


@router.get("/quotes/{quote_id}/document.html", response_class=HTMLResponse, tags=["documents"])
async def quote_html(quote_id: UUID, runtime: RuntimeDep, caller: Reader) -> Response:
    """The quote document: lines, discounts, totals, terms and validity."""
    document = quote_document(await _load(quote_id, runtime, caller))
    return Response(render_html(document), media_type="text/html; charset=utf-8")


@router.get(
    "/quotes/{quote_id}/document.pdf",
    response_class=Response,
    responses=PDF_ANSWER,
    tags=["documents"],
)
async def quote_pdf(quote_id: UUID, runtime: RuntimeDep, caller: Reader) -> Response:
    """The quote document as a PDF."""
    quote = await _load(quote_id, runtime, caller)
    filename = f"quote-{quote_id}-v{quote.row['version']}.pdf"
    return Response(
        render_pdf(quote_document(quote)),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


async def _load(quote_id: UUID, runtime: Runtime, caller: Principal) -> Quote:
    async with runtime.unit_of_work() as uow:
        return await _visible(uow, quote_id, caller)


async def _visible(uow: UnitOfWork, quote_id: UUID, caller: Principal) -> Quote:
    """The quote, if `caller` may see it; another team's quote is answered like a missing one
    (404), so ids cannot be probed."""
    quote = await find_quote(quote_id, uow)
    if quote is None or not caller.may_see(quote.row["owner"], quote.row["team"]):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no quote {quote_id}")
    return quote


async def _current(quote_id: UUID, runtime: Runtime, caller: Principal) -> Response:
    return _json(_view(await _load(quote_id, runtime, caller)))


async def _in(uow: UnitOfWork, quote_id: UUID, code: int = status.HTTP_200_OK) -> Response:
    """The quote as this unit of work left it (saves a second transaction per command)."""
    quote = await find_quote(quote_id, uow)
    if quote is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no quote {quote_id}")
    return _json(_view(quote), code)


def _json(view: QuoteView, code: int = status.HTTP_200_OK) -> Response:
    # Serialised once here; returning the model would make FastAPI validate it all again.
    return Response(view.model_dump_json(), status_code=code, media_type="application/json")


def _view(quote: Quote) -> QuoteView:
    row = quote.row
    return QuoteView(
        quote_id=row["id"],
        customer_name=row["account_name"],
        lines=quote.lines,
        waterfalls=quote.waterfalls,
        usage_rates=quote.usage_rates,
        totals=quote.totals,
        approvals=[ApprovalView.model_validate(a) for a in quote.approvals],
        **{k: row[k] for k in _ROW_FIELDS},
    )


_ROW_FIELDS = (
    "opportunity_id",
    "owner",
    "team",
    "lead_id",
    "account_id",
    "version",
    "status",
    "currency",
    "price_book",
    "priced_on",
    "term_months",
    "billing_period",
    "payment_terms_days",
    "trial_days",
    "trial_requires_payment_method",
    "quote_discount_percent",
    "discretionary_percent",
    "valid_until",
    "revision_of",
    "created_at",
    "sent_at",
    "accepted_at",
    "rejected_at",
    "expired_at",
)
