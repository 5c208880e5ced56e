"""ar-svc's bank statement API: import a CAMT.053 or CSV statement, list the statements,
the report of one statement's lines, and the customer of an unidentified line."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from ar_svc.adapters import statement_reports as reports
from ar_svc.domain.bank_statements import MAX_ID, read_statement
from ar_svc.handlers.statements import ImportOutcome, assign_line, import_statement
from l2c_runtime.audit import record_action
from l2c_runtime.auth import require
from l2c_runtime.auth.context import current_caller
from l2c_runtime.http.params import PageDep
from l2c_runtime.service import Runtime, runtime_of
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.money import DecimalStr
from l2c_schemas.text import BoundedModel

router = APIRouter(tags=["bank statements"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
StatementIdPath = Annotated[str, Path(min_length=1, max_length=MAX_ID)]
LineStatus = Literal["matched", "partly_matched", "unmatched", "ignored"]

MAX_STATEMENT_BYTES = 64 * 1024 * 1024
"""The largest statement file the upload takes (about 80,000 CAMT.053 entries)."""


class StatusTotal(BaseModel):
    lines: int
    amount: DecimalStr
    applied: DecimalStr
    unapplied: DecimalStr


class ImportView(BaseModel):
    statement_id: str
    lines: int
    """Lines in the file."""
    duplicates: int
    """Lines imported before (same statement id and entry reference) or repeated in the file:
    they changed nothing."""
    imported: dict[str, int]
    """New lines by status: matched, partly_matched, unmatched, ignored (not cash in)."""
    amounts: dict[str, DecimalStr]


@router.post(
    "/bank-statements",
    response_model=ImportView,
    dependencies=[require("statements:import")],
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The statement file as it is: CAMT.053 XML or the CSV layout of "
            "docs/finance.md, at most 64 MiB.",
            "content": {
                "application/xml": {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def import_bank_statement(request: Request, runtime: RuntimeDep) -> ImportView:
    """Import a bank statement and apply its cash: each booked credit is matched by an
    invoice number in its remittance information, else by its amount and a payer's bank
    account known from earlier lines; the cash pays invoices by the cash application rule;
    the rest stays unapplied for review. Importing the same file again changes nothing
    (every line answers as a duplicate). 422 with the reason when the file cannot be read.
    Lines are imported a thousand per transaction (each audited): after a failure, importing
    the file again completes it."""
    statement = read_statement(await request.body())
    caller = current_caller()
    actor = caller.subject if caller else "unknown"

    async def audit(uow: UnitOfWork, part: ImportOutcome) -> None:
        await record_action(
            uow,
            "bank_statement.import",
            "bank_statement",
            statement.statement_id,
            {"format": statement.format, **_view(part).model_dump(mode="json")},
        )

    return _view(await import_statement(statement, actor, runtime.unit_of_work, audit))


def _view(outcome: ImportOutcome) -> ImportView:
    return ImportView(
        statement_id=outcome.statement_id,
        lines=outcome.lines,
        duplicates=outcome.duplicates,
        imported=outcome.counts,
        amounts=outcome.amounts,
    )


class StatementView(BaseModel):
    statement_id: str
    format: str
    bank_account: str | None
    imported_at: datetime
    imported_by: str
    lines: int


@router.get(
    "/bank-statements",
    response_model=list[StatementView],
    dependencies=[require("payments:read")],
)
async def list_bank_statements(runtime: RuntimeDep, page: PageDep) -> list[StatementView]:
    """Imported statements, the latest first."""
    async with runtime.unit_of_work() as uow:
        rows = await reports.statements(uow, page.limit, page.offset)
    return [StatementView.model_validate(r, from_attributes=True) for r in rows]


class LineView(BaseModel):
    entry_reference: str
    booking_date: date
    amount: DecimalStr
    currency: str
    direction: str
    payer_name: str | None
    payer_account: str | None
    reference: str | None
    status: str
    method: str
    """reference, amount_and_payer, payer (known payer, no invoice), none."""
    account_id: UUID | None
    payment_id: UUID | None
    invoice_number: str | None
    invoice_balance: DecimalStr | None
    """What the matched invoice still owed after the line."""
    applied: DecimalStr
    unapplied: DecimalStr


class StatementReport(BaseModel):
    statement_id: str
    totals: dict[str, StatusTotal]
    """Per status: matched, partly_matched, unmatched, ignored."""
    lines: list[LineView]
    """This page of lines (of `status`, when given), in the statement's order."""


@router.get(
    "/bank-statements/{statement_id}/report",
    response_model=StatementReport,
    dependencies=[require("payments:read")],
)
async def bank_statement_report(
    statement_id: StatementIdPath,
    runtime: RuntimeDep,
    page: PageDep,
    status: Annotated[LineStatus | None, Query()] = None,
) -> StatementReport:
    """What matched, what partly matched, what did not (to review) and what was not cash
    in, with totals per status; 404 for a statement never imported."""
    async with runtime.unit_of_work() as uow:
        totals = await reports.totals(uow, statement_id)
        lines = await reports.lines(uow, statement_id, status, page.limit, page.offset)
    return StatementReport(
        statement_id=statement_id,
        totals={t.status: StatusTotal(**t.figures()) for t in totals},
        lines=[LineView.model_validate(r, from_attributes=True) for r in lines],
    )


class AssignIn(BoundedModel):
    entry_reference: str = Field(min_length=1, max_length=MAX_ID)
    account_id: UUID
    """The customer finance found the credit to come from."""


class AssignedView(BaseModel):
    entry_reference: str
    status: str
    account_id: UUID
    invoice_number: str | None
    """The first invoice the cash paid."""
    invoice_balance: DecimalStr | None
    applied: DecimalStr
    unapplied: DecimalStr


@router.post(
    "/bank-statements/{statement_id}/assign",
    response_model=AssignedView,
    dependencies=[require("payments:apply")],
)
async def assign_bank_statement_line(
    statement_id: StatementIdPath, body: AssignIn, runtime: RuntimeDep
) -> AssignedView:
    """Name the customer of an unidentified credit (status unmatched, method none): it
    becomes a payment of that customer, applied like any payment (an invoice whose balance
    equals it, else oldest first; the rest unapplied). 404 for an unknown line or a customer
    without receivables in the line's currency, 409 for a line that is not unidentified."""
    async with runtime.unit_of_work() as uow:
        match = await assign_line(statement_id, body.entry_reference, body.account_id, uow)
        view = AssignedView(
            entry_reference=body.entry_reference,
            status=match.status,
            account_id=body.account_id,
            invoice_number=match.invoice_number,
            invoice_balance=match.invoice_balance,
            applied=match.applied,
            unapplied=match.unapplied,
        )
        await record_action(
            uow,
            "bank_statement.assign",
            "bank_statement",
            statement_id,
            view.model_dump(mode="json"),
        )
    return view
