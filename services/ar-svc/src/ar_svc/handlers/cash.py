"""ar-svc's cash use cases: record payments (and failed attempts), apply cash to invoices
automatically or by hand, and reverse an application."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ar_svc.adapters.ledger_store import (
    latest_journey,
    load_ledger,
    lock_account,
    open_receivables,
    save_postings,
)
from ar_svc.adapters.tables import delinquencies, payments, receivables
from ar_svc.domain.cash_application import CashApplication, OpenInvoice, apply_payment
from ar_svc.domain.ledger import Ledger, LedgerError
from ar_svc.domain.retries import next_retry
from ar_svc.handlers.early_cash import hold_unannounced, invoice_known, reservations, reserved_for
from l2c_runtime.errors import NotFound, RuleViolation
from l2c_runtime.telemetry import journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import InvoicePaid, Money, PaymentApplied, PaymentReceived
from l2c_schemas.ar import (
    AccountReinstated,
    CreditApplied,
    PaymentFailed,
    PaymentRetryRequested,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaymentCommand:
    external_reference: str
    account_id: UUID
    amount: Money
    method: str
    invoice_number: str | None
    received_at: datetime
    status: str = "succeeded"
    wait_for_invoice: bool = True
    """An account with no invoice yet: keep the cash until one comes (a gateway's event may
    overtake billing's), else refuse it with NotFound (a person entering it mistyped)."""


@dataclass(frozen=True)
class PaymentOutcome:
    payment_id: UUID
    duplicate: bool
    application: CashApplication | None
    application_ids: tuple[UUID, ...] = ()
    """One per allocation of `application`, in the same order (to unapply one)."""


async def apply_funds(
    uow: UnitOfWork,
    ledger: Ledger,
    invoice: Any,
    amount: Decimal,
    *,
    payment_id: UUID | None = None,
    credit_note_id: UUID | None = None,
) -> UUID:
    """Apply funds of a payment or credit note to an open invoice: postings, PaymentApplied
    (or CreditApplied), and InvoicePaid when nothing is left open. Returns the application."""
    now = uow.clock.now()
    application_id = uuid4()
    try:
        new = ledger.apply(
            application_id,
            invoice.invoice_id,
            amount,
            payment_id=payment_id,
            credit_note_id=credit_note_id,
        )
    except LedgerError as exc:
        raise RuleViolation(str(exc)) from exc
    await save_postings(uow, invoice.account_id, invoice.currency, new, now)
    remaining = ledger.invoice_balance(invoice.invoice_id)
    common: dict[str, Any] = {
        "lead_id": invoice.lead_id,
        "account_id": invoice.account_id,
        "application_id": application_id,
        "invoice_id": invoice.invoice_id,
        "invoice_number": invoice.invoice_number,
        "amount": Money(amount=amount, currency=invoice.currency),
        "invoice_balance": Money(amount=remaining, currency=invoice.currency),
        "applied_at": now,
    }
    if payment_id is not None:
        await uow.emit(PaymentApplied(payment_id=payment_id, **common))
    else:
        await uow.emit(CreditApplied(credit_note_id=credit_note_id, **common))
    if remaining == 0:
        await mark_paid(uow, invoice, now)
    return application_id


def invoice_paid(invoice: Any, now: datetime) -> InvoicePaid:
    """InvoicePaid of a receivable settled at `now`."""
    return InvoicePaid(
        lead_id=invoice.lead_id,
        account_id=invoice.account_id,
        invoice_id=invoice.invoice_id,
        invoice_number=invoice.invoice_number,
        amount=Money(amount=invoice.amount, currency=invoice.currency),
        paid_at=now,
    )


async def mark_paid(uow: UnitOfWork, invoice: Any, now: datetime) -> None:
    """The invoice owes nothing more: paid, InvoicePaid, and dunning of it stops."""
    await uow.session.execute(
        sa.update(receivables)
        .where(receivables.c.invoice_id == invoice.invoice_id)
        .values(status="paid", paid_at=now, closed_at=now)
    )
    await uow.emit(invoice_paid(invoice, now))
    # Dunning stops on payment; the account is no longer delinquent once nothing it owes is
    # overdue any more.
    still_overdue = await uow.session.scalar(
        sa.select(sa.func.count())
        .select_from(receivables)
        .where(
            receivables.c.account_id == invoice.account_id,
            receivables.c.status == "open",
            receivables.c.overdue_at.is_not(None),
        )
    )
    if still_overdue:
        return
    cleared = await uow.session.execute(
        sa.update(delinquencies)
        .where(delinquencies.c.account_id == invoice.account_id)
        .where(delinquencies.c.cleared_at.is_(None))
        .values(cleared_at=now)
        .returning(delinquencies.c.account_id)
    )
    if cleared.first() is not None:
        await uow.emit(
            AccountReinstated(
                lead_id=invoice.lead_id,
                account_id=invoice.account_id,
                invoice_id=invoice.invoice_id,
                reinstated_at=now,
            )
        )


async def record_payment(cmd: PaymentCommand, uow: UnitOfWork) -> PaymentOutcome:
    """Record a payment once per external reference and apply its cash to open invoices:
    the referenced invoice, else the one whose balance equals the payment, then oldest first.
    A failed attempt is recorded, announced, and a card payment is retried per policy."""
    if cmd.amount.amount <= 0:
        raise RuleViolation("a payment amount must be positive")
    payment_id = uuid4()
    failed = cmd.status != "succeeded"
    inserted = await uow.session.execute(
        pg_insert(payments)
        .values(
            id=payment_id,
            external_reference=cmd.external_reference,
            account_id=cmd.account_id,
            currency=cmd.amount.currency,
            amount=cmd.amount.amount,
            method=cmd.method,
            status="failed" if failed else "received",
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

    await lock_account(uow, cmd.account_id)
    open_rows = await open_receivables(uow, cmd.account_id, cmd.amount.currency)
    journey = await _journey_of(uow, cmd.account_id, cmd.invoice_number, open_rows)
    if journey is None:
        if not cmd.wait_for_invoice:
            raise NotFound(f"no receivables for account {cmd.account_id} in {cmd.amount.currency}")
        return await _keep_until_invoiced(cmd, payment_id, failed, uow)
    # A payment naming an invoice not issued yet waits for it (see early_cash).
    awaited = cmd.invoice_number is not None and not await invoice_known(uow, cmd.invoice_number)
    lead_id, traceparent = journey
    with journey_span("payment apply", traceparent, {"l2c.lead_id": str(lead_id)}):
        if failed:
            await _announce_failure(cmd, payment_id, lead_id, uow)
            return PaymentOutcome(payment_id, duplicate=False, application=None)
        rows = [] if awaited else open_rows
        application, ids = await _receive_and_apply(cmd, payment_id, lead_id, rows, uow)
    return PaymentOutcome(payment_id, duplicate=False, application=application, application_ids=ids)


async def _keep_until_invoiced(
    cmd: PaymentCommand, payment_id: UUID, failed: bool, uow: UnitOfWork
) -> PaymentOutcome:
    """A payment of an account with no invoice yet: recorded, its cash unapplied and its
    PaymentReceived held until the account's first invoice names the journey."""
    await hold_unannounced(uow, payment_id)
    log.info(
        "payment %s of account %s came before any invoice; kept as unapplied cash",
        cmd.external_reference,
        cmd.account_id,
    )
    if failed:
        return PaymentOutcome(payment_id, duplicate=False, application=None)
    ledger = await load_ledger(uow, cmd.account_id, cmd.amount.currency)
    received = ledger.receive_payment(payment_id, cmd.amount.amount)
    await save_postings(uow, cmd.account_id, cmd.amount.currency, received, uow.clock.now())
    nothing_applied = apply_payment(cmd.amount.amount, [])
    return PaymentOutcome(payment_id, duplicate=False, application=nothing_applied)


async def _receive_and_apply(
    cmd: PaymentCommand, payment_id: UUID, lead_id: UUID, open_rows: list[Any], uow: UnitOfWork
) -> tuple[CashApplication, tuple[UUID, ...]]:
    currency = cmd.amount.currency
    ledger = await load_ledger(uow, cmd.account_id, currency)
    received = ledger.receive_payment(payment_id, cmd.amount.amount)
    await save_postings(uow, cmd.account_id, currency, received, uow.clock.now())
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
    by_id = {r.invoice_id: r for r in open_rows}
    application = apply_payment(
        cmd.amount.amount,
        [
            OpenInvoice(
                r.invoice_id, r.invoice_number, r.issue_date, ledger.invoice_balance(r.invoice_id)
            )
            for r in open_rows
        ],
        cmd.invoice_number,
    )
    ids = [
        await apply_funds(
            uow, ledger, by_id[allocation.invoice_id], allocation.amount, payment_id=payment_id
        )
        for allocation in application.allocations
    ]
    return application, tuple(ids)


async def _announce_failure(
    cmd: PaymentCommand, payment_id: UUID, lead_id: UUID, uow: UnitOfWork
) -> None:
    """PaymentFailed; for a card, PaymentRetryRequested while the retry policy allows."""
    await uow.emit(
        PaymentFailed(
            lead_id=lead_id,
            account_id=cmd.account_id,
            payment_id=payment_id,
            external_reference=cmd.external_reference,
            amount=cmd.amount,
            method=cmd.method,
            invoice_number=cmd.invoice_number,
            failed_at=cmd.received_at,
        )
    )
    if cmd.method != "card":
        return
    # Earlier failed card attempts at the same invoice (or, unreferenced, of the account).
    same_target = (
        payments.c.invoice_reference == cmd.invoice_number
        if cmd.invoice_number
        else payments.c.invoice_reference.is_(None)
    )
    failures = await uow.session.scalar(
        sa.select(sa.func.count()).where(
            payments.c.account_id == cmd.account_id,
            payments.c.method == "card",
            payments.c.status == "failed",
            same_target,
        )
    )
    retry = next_retry(int(failures or 0), cmd.received_at)
    if retry is None:
        return
    attempt, retry_at = retry
    await uow.emit(
        PaymentRetryRequested(
            lead_id=lead_id,
            account_id=cmd.account_id,
            payment_id=payment_id,
            external_reference=cmd.external_reference,
            amount=cmd.amount,
            invoice_number=cmd.invoice_number,
            attempt=attempt,
            retry_at=retry_at,
        )
    )


async def _journey_of(
    uow: UnitOfWork, account_id: UUID, invoice_number: str | None, open_rows: list[Any]
) -> tuple[UUID, str | None] | None:
    """The journey (lead id, trace context) a payment belongs to: that of the referenced
    invoice, else of the oldest open one, else of the account's latest receivable."""
    for row in sorted(open_rows, key=lambda r: (r.invoice_number != invoice_number, r.issue_date)):
        return row.lead_id, row.traceparent
    return await latest_journey(uow, account_id)


async def apply_unapplied_funds(uow: UnitOfWork, ledger: Ledger, invoice: Any) -> None:
    """Customer credit and unapplied cash pay a newly issued invoice: first the payments that
    named it before it was issued, then the other funds oldest first, except payments that
    wait for another invoice not issued yet. What is left of the payments that named it goes
    on to the account's other open invoices, as it would have had the invoice come first."""
    named = await reserved_for(uow, invoice.account_id, invoice.invoice_number)
    elsewhere = await reservations(uow, invoice.account_id, invoice.currency)
    sources: list[tuple[UUID | None, UUID | None]] = []
    for p in ledger.postings:
        source = (p.payment_id, p.credit_note_id)
        waits_elsewhere = p.payment_id is not None and p.payment_id in elsewhere
        if p.kind in ("payment", "credit") and source not in sources and not waits_elsewhere:
            sources.append(source)
    sources.sort(key=lambda source: source[0] not in named)  # stable: oldest first otherwise
    for payment_id, credit_note_id in sources:
        due = ledger.invoice_balance(invoice.invoice_id)
        if due <= 0:
            break
        available = ledger.unapplied(payment_id or credit_note_id)
        if available > 0:
            await apply_funds(
                uow,
                ledger,
                invoice,
                min(due, available),
                payment_id=payment_id,
                credit_note_id=credit_note_id,
            )
    for payment_id, _ in sources:
        if payment_id in named:
            await _spread_leftover(uow, ledger, invoice, payment_id)


async def _spread_leftover(uow: UnitOfWork, ledger: Ledger, paid: Any, payment_id: UUID) -> None:
    """The rest of a payment that named `paid` pays the account's other open invoices, oldest
    first (the cash application rule once the named invoice is settled)."""
    others = [
        row
        for row in await open_receivables(uow, paid.account_id, paid.currency)
        if row.invoice_id != paid.invoice_id
    ]
    for row in sorted(others, key=lambda r: (r.issue_date, r.invoice_number)):
        left = ledger.unapplied(payment_id)
        due = ledger.invoice_balance(row.invoice_id)
        if left <= 0:
            return
        if due > 0:
            await apply_funds(uow, ledger, row, min(left, due), payment_id=payment_id)
