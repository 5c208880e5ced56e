"""Credit notes: the one way billing issues one (downgrades, terminations and finance by hand
all come here), and finance's credit notes by hand on an issued or paid invoice, issued at
once up to the approval threshold, else after a second finance user approves."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.engine import Row

from billing_svc import config
from billing_svc.adapters import store
from billing_svc.adapters.tables import (
    credit_note_requests,
    credit_notes,
    credited_invoice_lines,
    invoice_lines,
    subscriptions,
)
from billing_svc.domain.crediting import (
    CreditPlan,
    InvoiceCredits,
    InvoiceLineLeft,
    needs_approval,
    plan_credit,
)
from billing_svc.domain.invoicing import DraftLine, invoice_number
from billing_svc.handlers.revenue import first_open_month, schedule_rows
from l2c_runtime.auth import Principal
from l2c_runtime.auth.approvals import ensure_may_decide
from l2c_runtime.errors import Conflict, NotFound
from l2c_runtime.http.params import Page
from l2c_runtime.telemetry import journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import InvoiceLine, Money
from l2c_schemas.billing import CreditNoteIssued

APPROVER_ROLE = "finance"


async def record_credit_note(
    uow: UnitOfWork,
    sub: Row[Any],
    invoice_id: UUID | None,
    lines: list[DraftLine],
    tax: Decimal,
    reason: str,
) -> UUID:
    """Issue a credit note of `lines` (each `amount` the amount credited, positive) plus `tax`:
    the next CN number, the note, the mirror of the lines' revenue schedules (a catch-up in the
    first open month for closed ones) and CreditNoteIssued (ar-svc credits the receivable)."""
    currency = sub.currency
    subtotal = sum((line.amount for line in lines), Decimal(0))
    now = uow.clock.now()
    seq = (await store.next_numbers(uow, "CN", now.year, 1))[0]
    note_id, number = uuid4(), invoice_number("CN", now.year, seq)

    def money(amount: Decimal) -> Money:
        return Money(amount=amount, currency=currency)

    wire_lines = [
        InvoiceLine(
            line_no=line.line_no,
            product_code=line.product_code,
            description=line.description,
            quantity=line.quantity,
            unit_price=money(line.unit_price),
            amount=money(line.amount),
            period_start=line.period_start,
            period_end=line.period_end,
        )
        for line in lines
    ]
    await uow.session.execute(
        sa.insert(credit_notes).values(
            id=note_id,
            credit_note_number=number,
            invoice_id=invoice_id,
            subscription_id=sub.id,
            account_id=sub.account_id,
            lead_id=sub.lead_id,
            currency=currency,
            subtotal=subtotal,
            tax_total=tax,
            total=subtotal + tax,
            reason=reason,
            lines=[line.model_dump(mode="json") for line in wire_lines],
            issued_at=now,
        )
    )
    reversed_lines = [replace(line, amount=-line.amount) for line in lines]
    first_open = await first_open_month(uow)
    await store.insert_revenue(
        uow, schedule_rows(note_id, sub, now.date(), reversed_lines, first_open)
    )
    await uow.emit(
        CreditNoteIssued(
            lead_id=sub.lead_id,
            account_id=sub.account_id,
            credit_note_id=note_id,
            credit_note_number=number,
            invoice_id=invoice_id,
            currency=currency,
            lines=wire_lines,
            subtotal=money(subtotal),
            tax_total=money(tax),
            total=money(subtotal + tax),
            reason=reason,
            issued_at=now,
        )
    )
    return note_id


async def credits_of(uow: UnitOfWork, invoice: Row[Any]) -> InvoiceCredits:
    """The invoice with what every credit note credited on it so far."""
    credited = (
        await uow.session.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(credit_notes.c.subtotal), 0).label("subtotal"),
                sa.func.coalesce(sa.func.sum(credit_notes.c.tax_total), 0).label("tax"),
            ).where(credit_notes.c.invoice_id == invoice.id)
        )
    ).one()
    rows = await uow.session.execute(
        sa.select(credited_invoice_lines.c.line_no, sa.func.sum(credited_invoice_lines.c.amount))
        .where(credited_invoice_lines.c.invoice_id == invoice.id)
        .group_by(credited_invoice_lines.c.line_no)
    )
    by_line = {line_no: Decimal(amount) for line_no, amount in rows}
    lines = await uow.session.execute(
        sa.select(invoice_lines)
        .where(invoice_lines.c.invoice_id == invoice.id)
        .order_by(invoice_lines.c.line_no)
    )
    return InvoiceCredits(
        status=invoice.status,
        currency=invoice.currency,
        tax_rate=Decimal(invoice.tax_rate),
        subtotal=Decimal(invoice.subtotal),
        tax_total=Decimal(invoice.tax_total),
        credited_subtotal=Decimal(credited.subtotal),
        credited_tax=Decimal(credited.tax),
        lines=tuple(
            InvoiceLineLeft(
                line_no=line.line_no,
                product_code=line.product_code,
                description=line.description,
                quantity=Decimal(line.quantity),
                amount=Decimal(line.amount),
                credited=Decimal(by_line.get(line.line_no, 0)),
                period_start=line.period_start,
                period_end=line.period_end,
                kind=line.kind,
            )
            for line in lines
        ),
    )


async def request_credit_note(
    uow: UnitOfWork,
    invoice_id: UUID,
    requested: dict[int, Decimal] | None,
    reason: str,
    requester: str,
) -> dict[str, Any]:
    """Credit an issued or paid invoice in whole (`requested` None) or by line, within what is
    left to credit: issued now up to the approval threshold, else pending a second finance
    user's approval (RuleViolation beyond what is left)."""
    invoice = await store.locked_invoice(uow, invoice_id)
    plan = plan_credit(await credits_of(uow, invoice), requested)
    now = uow.clock.now()
    request_id = uuid4()
    await uow.session.execute(
        sa.insert(credit_note_requests).values(
            id=request_id,
            invoice_id=invoice.id,
            account_id=invoice.account_id,
            currency=invoice.currency,
            lines=[{"line_no": line.line_no, "amount": str(line.amount)} for line in plan.lines],
            subtotal=plan.subtotal,
            tax_total=plan.tax_total,
            total=plan.total,
            reason=reason,
            status="pending_approval",
            requested_by=requester,
            requested_at=now,
        )
    )
    if not needs_approval(plan.total, config.credit_approval_threshold()):
        await _issue(uow, request_id, invoice, plan, reason)
    return await credit_note_request(uow, request_id)


async def approve_credit_note(
    uow: UnitOfWork, request_id: UUID, approver: Principal
) -> dict[str, Any]:
    """A second finance user approves: the credit note is issued, planned again against what
    is left now (another credit note may have come meanwhile)."""
    request = await _request_row(uow, request_id)
    invoice = await store.locked_invoice(uow, request.invoice_id)
    request = await _pending(uow, request_id)
    ensure_may_decide(approver, 1, APPROVER_ROLE, "credit note", [request.requested_by])
    requested = {int(line["line_no"]): Decimal(line["amount"]) for line in request.lines}
    plan = plan_credit(await credits_of(uow, invoice), requested)
    await _issue(uow, request_id, invoice, plan, request.reason, approver.subject)
    return await credit_note_request(uow, request_id)


async def reject_credit_note(
    uow: UnitOfWork, request_id: UUID, approver: Principal, reason: str
) -> dict[str, Any]:
    request = await _pending(uow, request_id)
    ensure_may_decide(approver, 1, APPROVER_ROLE, "credit note", [request.requested_by])
    await uow.session.execute(
        sa.update(credit_note_requests)
        .where(credit_note_requests.c.id == request_id)
        .values(
            status="rejected",
            decided_by=approver.subject,
            decided_at=uow.clock.now(),
            decision_reason=reason,
        )
    )
    return await credit_note_request(uow, request_id)


async def _issue(
    uow: UnitOfWork,
    request_id: UUID,
    invoice: Row[Any],
    plan: CreditPlan,
    reason: str,
    approver: str | None = None,
) -> None:
    sub = (
        await uow.session.execute(
            sa.select(subscriptions).where(subscriptions.c.id == invoice.subscription_id)
        )
    ).one()
    lines = [
        DraftLine(
            line.line_no,
            line.product_code,
            line.description,
            line.quantity,
            line.amount,
            Decimal(0),
            line.amount,
            line.period_start,
            line.period_end,
            line.kind,
        )
        for line in plan.lines
    ]
    with journey_span("credit note", invoice.traceparent, {"l2c.lead_id": str(invoice.lead_id)}):
        note_id = await record_credit_note(uow, sub, invoice.id, lines, plan.tax_total, reason)
    await uow.session.execute(
        sa.insert(credited_invoice_lines),
        [
            {
                "credit_note_id": note_id,
                "line_no": line.line_no,
                "invoice_id": invoice.id,
                "amount": line.amount,
            }
            for line in plan.lines
        ],
    )
    await uow.session.execute(
        sa.update(credit_note_requests)
        .where(credit_note_requests.c.id == request_id)
        .values(
            status="issued",
            credit_note_id=note_id,
            subtotal=plan.subtotal,
            tax_total=plan.tax_total,
            total=plan.total,
            decided_by=approver,
            decided_at=uow.clock.now() if approver else None,
        )
    )


async def _request_row(uow: UnitOfWork, request_id: UUID) -> Row[Any]:
    row = (
        await uow.session.execute(
            sa.select(credit_note_requests).where(credit_note_requests.c.id == request_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"no credit note request {request_id}")
    return row


async def _pending(uow: UnitOfWork, request_id: UUID) -> Row[Any]:
    row = await _request_row(uow, request_id)
    if row.status != "pending_approval":
        raise Conflict(f"the credit note request is {row.status.replace('_', ' ')} already")
    return row


async def credit_note_request(uow: UnitOfWork, request_id: UUID) -> dict[str, Any]:
    request = await _request_row(uow, request_id)
    number = None
    if request.credit_note_id is not None:
        number = await uow.session.scalar(
            sa.select(credit_notes.c.credit_note_number).where(
                credit_notes.c.id == request.credit_note_id
            )
        )
    return {**request._mapping, "credit_note_number": number}


async def list_credit_note_requests(
    uow: UnitOfWork, page: Page, **filters: Any
) -> list[dict[str, Any]]:
    r = credit_note_requests
    query = sa.select(r.c.id).order_by(r.c.requested_at.desc(), r.c.id)
    for name, value in filters.items():
        if value is not None:
            query = query.where(r.c[name] == value)
    ids = await uow.session.scalars(query.limit(page.limit).offset(page.offset))
    return [await credit_note_request(uow, request_id) for request_id in ids]


async def credited_totals(uow: UnitOfWork, invoice_ids: list[UUID]) -> dict[UUID, Decimal]:
    """What credit notes credited on each invoice (total with tax)."""
    rows = await uow.session.execute(
        sa.select(credit_notes.c.invoice_id, sa.func.sum(credit_notes.c.total))
        .where(credit_notes.c.invoice_id.in_(invoice_ids))
        .group_by(credit_notes.c.invoice_id)
    )
    return {invoice_id: Decimal(total) for invoice_id, total in rows}
