"""ar-svc's use cases: open receivables, record payments, apply cash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ar_svc.adapters.tables import payments, postings, receivables
from ar_svc.domain.cash_application import CashApplication, OpenInvoice, apply_payment
from l2c_runtime.errors import NotFound, RuleViolation
from l2c_runtime.telemetry import current_traceparent, journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import InvoiceIssued, InvoicePaid, Money, PaymentApplied, PaymentReceived


async def open_receivable(invoice: InvoiceIssued, uow: UnitOfWork) -> None:
    """An issued invoice becomes an open receivable: one posting of its total. The same
    invoice twice is one receivable; another invoice with a number already taken is refused."""
    now = uow.clock.now()
    holder = await uow.session.scalar(
        sa.select(receivables.c.invoice_id).where(
            receivables.c.invoice_number == invoice.invoice_number
        )
    )
    if holder is not None and holder != invoice.invoice_id:
        raise RuleViolation(
            f"invoice number {invoice.invoice_number} already belongs to invoice {holder}"
        )
    inserted = await uow.session.execute(
        pg_insert(receivables)
        .values(
            invoice_id=invoice.invoice_id,
            invoice_number=invoice.invoice_number,
            lead_id=invoice.lead_id,
            account_id=invoice.account_id,
            currency=invoice.currency,
            amount=invoice.total.amount,
            issue_date=invoice.issue_date,
            due_date=invoice.due_date,
            status="open",
            traceparent=current_traceparent(),
            opened_at=now,
        )
        .on_conflict_do_nothing(index_elements=["invoice_id"])
        .returning(receivables.c.invoice_id)
    )
    if inserted.first() is None:
        return
    await uow.session.execute(
        sa.insert(postings).values(
            account_id=invoice.account_id,
            invoice_id=invoice.invoice_id,
            kind="invoice",
            amount=invoice.total.amount,
            currency=invoice.currency,
            posted_at=now,
        )
    )


@dataclass(frozen=True)
class PaymentCommand:
    external_reference: str
    account_id: UUID
    amount: Money
    method: str
    invoice_number: str | None
    received_at: datetime
    status: str = "succeeded"


@dataclass(frozen=True)
class PaymentOutcome:
    payment_id: UUID
    duplicate: bool
    application: CashApplication | None


async def record_payment(cmd: PaymentCommand, uow: UnitOfWork) -> PaymentOutcome:
    """Record a payment once per external reference and apply its cash to open invoices."""
    if cmd.amount.amount <= 0:
        raise RuleViolation("a payment amount must be positive")
    payment_id = uuid4()
    inserted = await uow.session.execute(
        pg_insert(payments)
        .values(
            id=payment_id,
            external_reference=cmd.external_reference,
            account_id=cmd.account_id,
            currency=cmd.amount.currency,
            amount=cmd.amount.amount,
            method=cmd.method,
            status="received" if cmd.status == "succeeded" else "failed",
            invoice_reference=cmd.invoice_number,
            received_at=cmd.received_at,
        )
        .on_conflict_do_nothing(index_elements=["external_reference"])
        .returning(payments.c.id)
    )
    if inserted.first() is None:
        existing = await uow.session.scalar(
            sa.select(payments.c.id).where(payments.c.external_reference == cmd.external_reference)
        )
        return PaymentOutcome(UUID(str(existing)), duplicate=True, application=None)
    if cmd.status != "succeeded":
        # Kept for dunning (retries of failed card payments); no cash moved.
        return PaymentOutcome(payment_id, duplicate=False, application=None)

    open_rows = await _open_invoices(uow, cmd.account_id, cmd.amount.currency)
    journey = await _journey_of(uow, cmd.account_id, cmd.invoice_number, open_rows)
    if journey is None:
        raise NotFound(f"no receivables for account {cmd.account_id} in {cmd.amount.currency}")
    lead_id, traceparent = journey
    application = apply_payment(
        cmd.amount.amount,
        [
            OpenInvoice(r.invoice_id, r.invoice_number, r.issue_date, Decimal(r.balance))
            for r in open_rows
        ],
        cmd.invoice_number,
    )
    with journey_span("payment apply", traceparent, {"l2c.lead_id": str(lead_id)}):
        await _post_and_emit(cmd, payment_id, lead_id, application, uow)
    return PaymentOutcome(payment_id, duplicate=False, application=application)


async def _post_and_emit(
    cmd: PaymentCommand,
    payment_id: UUID,
    lead_id: UUID,
    application: CashApplication,
    uow: UnitOfWork,
) -> None:
    now = uow.clock.now()
    currency = cmd.amount.currency
    entries: list[dict[str, Any]] = [
        {"invoice_id": None, "kind": "payment", "amount": -cmd.amount.amount}
    ]
    for allocation in application.allocations:
        # Cash moves from unapplied to the invoice: the account's balance does not change.
        entries.append({"invoice_id": None, "kind": "application", "amount": allocation.amount})
        entries.append(
            {
                "invoice_id": allocation.invoice_id,
                "kind": "application",
                "amount": -allocation.amount,
            }
        )
    await uow.session.execute(
        sa.insert(postings),
        [
            {
                **e,
                "account_id": cmd.account_id,
                "payment_id": payment_id,
                "currency": currency,
                "posted_at": now,
            }
            for e in entries
        ],
    )
    await uow.emit(
        PaymentReceived(
            lead_id=lead_id,
            account_id=cmd.account_id,
            payment_id=payment_id,
            external_reference=cmd.external_reference,
            amount=cmd.amount,
            method=cmd.method,
            received_at=cmd.received_at,
        )
    )
    for allocation in application.allocations:
        invoice_lead = await uow.session.scalar(
            sa.select(receivables.c.lead_id).where(
                receivables.c.invoice_id == allocation.invoice_id
            )
        )
        await uow.emit(
            PaymentApplied(
                lead_id=invoice_lead,
                account_id=cmd.account_id,
                payment_id=payment_id,
                invoice_id=allocation.invoice_id,
                invoice_number=allocation.invoice_number,
                amount=Money(amount=allocation.amount, currency=currency),
                invoice_balance=Money(amount=allocation.remaining_balance, currency=currency),
                applied_at=now,
            )
        )
        if allocation.remaining_balance == 0:
            await uow.session.execute(
                sa.update(receivables)
                .where(receivables.c.invoice_id == allocation.invoice_id)
                .values(status="paid", paid_at=now)
            )
            total = await uow.session.scalar(
                sa.select(receivables.c.amount).where(
                    receivables.c.invoice_id == allocation.invoice_id
                )
            )
            await uow.emit(
                InvoicePaid(
                    lead_id=invoice_lead,
                    account_id=cmd.account_id,
                    invoice_id=allocation.invoice_id,
                    invoice_number=allocation.invoice_number,
                    amount=Money(amount=total, currency=currency),
                    paid_at=now,
                )
            )


async def _open_invoices(uow: UnitOfWork, account_id: UUID, currency: str) -> list[Any]:
    """Open receivables of the account with their balances (sum of postings), locked."""
    balance = sa.func.coalesce(sa.func.sum(postings.c.amount), 0).label("balance")
    locked = (
        sa.select(receivables.c.invoice_id)
        .where(
            receivables.c.account_id == account_id,
            receivables.c.currency == currency,
            receivables.c.status == "open",
        )
        .with_for_update()
    )
    ids = [row.invoice_id for row in await uow.session.execute(locked)]
    if not ids:
        return []
    query = (
        sa.select(
            receivables.c.invoice_id,
            receivables.c.invoice_number,
            receivables.c.issue_date,
            receivables.c.lead_id,
            receivables.c.traceparent,
            balance,
        )
        .join(postings, postings.c.invoice_id == receivables.c.invoice_id)
        .where(receivables.c.invoice_id.in_(ids))
        .group_by(receivables.c.invoice_id)
    )
    return list(await uow.session.execute(query))


async def _journey_of(
    uow: UnitOfWork, account_id: UUID, invoice_number: str | None, open_rows: list[Any]
) -> tuple[UUID, str | None] | None:
    """The journey (lead id, trace context) a payment belongs to: that of the referenced
    invoice, else of the oldest open one, else of the account's latest receivable."""
    for row in sorted(open_rows, key=lambda r: (r.invoice_number != invoice_number, r.issue_date)):
        return row.lead_id, row.traceparent
    latest = (
        await uow.session.execute(
            sa.select(receivables.c.lead_id, receivables.c.traceparent)
            .where(receivables.c.account_id == account_id)
            .order_by(receivables.c.opened_at.desc())
            .limit(1)
        )
    ).first()
    return None if latest is None else (latest.lead_id, latest.traceparent)


async def account_balance(uow: UnitOfWork, account_id: UUID) -> dict[str, Any]:
    """The account's balance (invoices − payments − credits) and each receivable's balance."""
    total = await uow.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(postings.c.amount), 0)).where(
            postings.c.account_id == account_id
        )
    )
    unapplied = await uow.session.scalar(
        sa.select(sa.func.coalesce(-sa.func.sum(postings.c.amount), 0)).where(
            postings.c.account_id == account_id, postings.c.invoice_id.is_(None)
        )
    )
    invoice_rows = await uow.session.execute(
        sa.select(
            receivables.c.invoice_id,
            receivables.c.invoice_number,
            receivables.c.currency,
            receivables.c.amount,
            receivables.c.status,
            receivables.c.due_date,
            sa.func.sum(postings.c.amount).label("balance"),
        )
        .join(postings, postings.c.invoice_id == receivables.c.invoice_id)
        .where(receivables.c.account_id == account_id)
        .group_by(receivables.c.invoice_id)
        .order_by(receivables.c.issue_date, receivables.c.invoice_number)
    )
    return {
        "account_id": account_id,
        "balance": total,
        "unapplied_cash": unapplied,
        "invoices": [dict(row._mapping) for row in invoice_rows],
    }
