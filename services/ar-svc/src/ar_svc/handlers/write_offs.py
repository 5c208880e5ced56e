"""Write-offs by hand: finance asks to write off what is open on an invoice, with a reason; a
second finance user approves (the postings and InvoiceWrittenOff, as dunning's automatic
write-off makes them) or rejects; an approved write-off can be reversed (WriteOffReversed: the
invoice owes the amount again). A reversed invoice is not dunned again by itself: its dunning
schedule had reached its end or been cut short by hand, and resuming it would write the
invoice off again at once once it is past the policy's write-off day."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.engine import Row

from ar_svc.adapters.ledger_store import load_ledger, locked_receivable, save_postings
from ar_svc.adapters.tables import receivables, write_offs
from ar_svc.domain.ledger import LedgerError
from l2c_runtime.auth import Principal
from l2c_runtime.auth.approvals import ensure_may_decide
from l2c_runtime.errors import Conflict, NotFound, RuleViolation
from l2c_runtime.http.params import Page
from l2c_runtime.telemetry import journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import Money
from l2c_schemas.ar import InvoiceWrittenOff, WriteOffReversed

APPROVER_ROLE = "finance"


async def _open_invoice(uow: UnitOfWork, invoice_id: UUID) -> tuple[Row[Any], Any]:
    """The receivable, locked, with what is open on it (refused unless open and owing)."""
    invoice = await locked_receivable(uow, invoice_id)
    if invoice is None:
        raise NotFound(f"no invoice {invoice_id}")
    if invoice.status != "open":
        raise Conflict(f"invoice {invoice.invoice_number} is {invoice.status.replace('_', ' ')}")
    ledger = await load_ledger(uow, invoice.account_id, invoice.currency)
    if ledger.invoice_balance(invoice.invoice_id) <= 0:
        raise RuleViolation(f"invoice {invoice.invoice_number} has nothing open to write off")
    return invoice, ledger


async def request_write_off(
    uow: UnitOfWork, invoice_id: UUID, reason: str, requester: str
) -> dict[str, Any]:
    """Ask to write off the invoice's open balance; it waits for a second finance user."""
    invoice, ledger = await _open_invoice(uow, invoice_id)
    pending = await uow.session.scalar(
        sa.select(write_offs.c.write_off_id).where(
            write_offs.c.invoice_id == invoice_id, write_offs.c.status == "pending_approval"
        )
    )
    if pending is not None:
        raise Conflict(f"write-off {pending} of the invoice waits for approval already")
    write_off_id = uuid4()
    await uow.session.execute(
        sa.insert(write_offs).values(
            write_off_id=write_off_id,
            invoice_id=invoice_id,
            account_id=invoice.account_id,
            currency=invoice.currency,
            amount=ledger.invoice_balance(invoice_id),
            reason=reason,
            status="pending_approval",
            requested_by=requester,
            requested_at=uow.clock.now(),
        )
    )
    return await write_off(uow, write_off_id)


async def approve_write_off(
    uow: UnitOfWork, write_off_id: UUID, approver: Principal
) -> dict[str, Any]:
    """Write off what is open on the invoice now (a payment may have come meanwhile)."""
    row = await _write_off_row(uow, write_off_id)
    invoice, ledger = await _open_invoice(uow, row.invoice_id)
    row = await _in_status(uow, write_off_id, "pending_approval")
    ensure_may_decide(approver, 1, APPROVER_ROLE, "write-off", [row.requested_by])
    now = uow.clock.now()
    amount = ledger.invoice_balance(invoice.invoice_id)
    await save_postings(
        uow, invoice.account_id, invoice.currency, ledger.write_off(invoice.invoice_id), now
    )
    await uow.session.execute(
        sa.update(receivables)
        .where(receivables.c.invoice_id == invoice.invoice_id)
        .values(status="written_off", closed_at=now, next_dunning_on=None)
    )
    await _decide(uow, write_off_id, "written_off", approver, None, amount=amount)
    with journey_span("write-off", invoice.traceparent, {"l2c.lead_id": str(invoice.lead_id)}):
        await uow.emit(
            InvoiceWrittenOff(
                lead_id=invoice.lead_id,
                account_id=invoice.account_id,
                invoice_id=invoice.invoice_id,
                invoice_number=invoice.invoice_number,
                amount=Money(amount=amount, currency=invoice.currency),
                days_past_due=max((now.date() - invoice.due_date).days, 0),
                reason=row.reason,
                written_off_at=now,
                write_off_id=write_off_id,
            )
        )
    return await write_off(uow, write_off_id)


async def reject_write_off(
    uow: UnitOfWork, write_off_id: UUID, approver: Principal, reason: str
) -> dict[str, Any]:
    row = await _in_status(uow, write_off_id, "pending_approval")
    ensure_may_decide(approver, 1, APPROVER_ROLE, "write-off", [row.requested_by])
    await _decide(uow, write_off_id, "rejected", approver, reason)
    return await write_off(uow, write_off_id)


async def reverse_write_off(
    uow: UnitOfWork, write_off_id: UUID, reason: str, subject: str
) -> dict[str, Any]:
    """Undo an approved write-off: the invoice owes the amount again and is open (payments
    and credit apply to it; the dunning job leaves it alone)."""
    row = await _write_off_row(uow, write_off_id)
    invoice = await locked_receivable(uow, row.invoice_id)
    row = await _in_status(uow, write_off_id, "written_off")
    if invoice.status != "written_off":
        raise Conflict(f"invoice {invoice.invoice_number} is {invoice.status}")
    ledger = await load_ledger(uow, invoice.account_id, invoice.currency)
    try:
        new = ledger.reverse_write_off(invoice.invoice_id, row.amount)
    except LedgerError as exc:
        raise RuleViolation(str(exc)) from exc
    now = uow.clock.now()
    await save_postings(uow, invoice.account_id, invoice.currency, new, now)
    await uow.session.execute(
        sa.update(receivables)
        .where(receivables.c.invoice_id == invoice.invoice_id)
        .values(status="open", closed_at=None, next_dunning_on=None)
    )
    await uow.session.execute(
        sa.update(write_offs)
        .where(write_offs.c.write_off_id == write_off_id)
        .values(status="reversed", reversed_by=subject, reversed_at=now, reversal_reason=reason)
    )
    with journey_span("write-off", invoice.traceparent, {"l2c.lead_id": str(invoice.lead_id)}):
        await uow.emit(
            WriteOffReversed(
                lead_id=invoice.lead_id,
                account_id=invoice.account_id,
                write_off_id=write_off_id,
                invoice_id=invoice.invoice_id,
                invoice_number=invoice.invoice_number,
                amount=Money(amount=row.amount, currency=invoice.currency),
                reason=reason,
                reversed_at=now,
            )
        )
    return await write_off(uow, write_off_id)


async def _decide(
    uow: UnitOfWork,
    write_off_id: UUID,
    status: str,
    approver: Principal,
    reason: str | None,
    **changes: Any,
) -> None:
    await uow.session.execute(
        sa.update(write_offs)
        .where(write_offs.c.write_off_id == write_off_id)
        .values(
            status=status,
            decided_by=approver.subject,
            decided_at=uow.clock.now(),
            decision_reason=reason,
            **changes,
        )
    )


async def _write_off_row(uow: UnitOfWork, write_off_id: UUID) -> Row[Any]:
    row = (
        await uow.session.execute(
            sa.select(write_offs).where(write_offs.c.write_off_id == write_off_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"no write-off {write_off_id}")
    return row


async def _in_status(uow: UnitOfWork, write_off_id: UUID, status: str) -> Row[Any]:
    row = await _write_off_row(uow, write_off_id)
    if row.status != status:
        raise Conflict(f"the write-off is {row.status.replace('_', ' ')}")
    return row


async def write_off(uow: UnitOfWork, write_off_id: UUID) -> dict[str, Any]:
    return dict((await _write_off_row(uow, write_off_id))._mapping)


async def list_write_offs(uow: UnitOfWork, page: Page, **filters: Any) -> list[dict[str, Any]]:
    w = write_offs
    query = sa.select(w).order_by(w.c.requested_at.desc(), w.c.write_off_id)
    for name, value in filters.items():
        if value is not None:
            query = query.where(w.c[name] == value)
    rows = await uow.session.execute(query.limit(page.limit).offset(page.offset))
    return [dict(r._mapping) for r in rows]
