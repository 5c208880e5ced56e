"""Refunds: finance pays money back out of a payment or the account's unapplied cash
(RefundRequested to the payment gateway, the money leaving unapplied funds at once); the
gateway answers RefundCompleted, or RefundFailed and the money is unapplied again."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import Row

from ar_svc.adapters.ledger_store import latest_journey, load_ledger, lock_account, save_postings
from ar_svc.adapters.tables import payments, refunds
from ar_svc.domain.ledger import LedgerError
from ar_svc.domain.refunds import check_refund, funding_sources, refundable
from l2c_runtime.errors import Conflict, NotFound, RuleViolation
from l2c_runtime.http.params import Page
from l2c_runtime.telemetry import journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import Money
from l2c_schemas.ar import RefundCompleted, RefundFailed, RefundRequested
from l2c_schemas.money import currency_exponent


@dataclass(frozen=True)
class RefundCommand:
    refund_id: UUID
    """Chosen by the caller: the same id again is the same refund (idempotent)."""
    account_id: UUID
    amount: Decimal
    reason: str
    requester: str
    payment_id: UUID | None = None
    currency: str | None = None
    """Of unapplied cash (a payment's refund is in the payment's currency)."""


async def request_refund(cmd: RefundCommand, uow: UnitOfWork) -> tuple[dict[str, Any], bool]:
    """Refund within what is refundable (see domain.refunds); returns the refund and whether
    it was made now (False: the same refund id was requested before, with the same terms)."""
    await lock_account(uow, cmd.account_id)
    earlier = await _refund_row(uow, cmd.refund_id)
    if earlier is not None:
        return _same_refund(earlier, cmd), False
    payment = await _payment_of(uow, cmd) if cmd.payment_id is not None else None
    currency = payment.currency if payment is not None else cmd.currency
    if currency is None:
        raise RuleViolation("name the currency of the unapplied cash to refund")
    journey = await latest_journey(uow, cmd.account_id)
    if journey is None:
        raise NotFound(f"account {cmd.account_id} has no receivables")
    lead_id, traceparent = journey
    ledger = await load_ledger(uow, cmd.account_id, currency)
    sources = funding_sources(ledger, cmd.payment_id)
    refunded = await _refunded_of(uow, cmd.payment_id) if payment is not None else Decimal(0)
    allowed = refundable(ledger, sources, payment.amount if payment is not None else None, refunded)
    places = min(currency_exponent(currency), 2)  # amounts are kept to the cent
    check_refund(cmd.amount, allowed, currency, places)
    now = uow.clock.now()
    try:
        new = ledger.refund(cmd.refund_id, cmd.amount, sources)
    except LedgerError as exc:
        raise RuleViolation(str(exc)) from exc
    await uow.session.execute(
        sa.insert(refunds).values(
            refund_id=cmd.refund_id,
            account_id=cmd.account_id,
            lead_id=lead_id,
            payment_id=cmd.payment_id,
            currency=currency,
            amount=cmd.amount,
            reason=cmd.reason,
            status="requested",
            requested_by=cmd.requester,
            requested_at=now,
        )
    )
    await save_postings(uow, cmd.account_id, currency, new, now)
    with journey_span("refund", traceparent, {"l2c.lead_id": str(lead_id)}):
        await uow.emit(
            RefundRequested(
                lead_id=lead_id,
                account_id=cmd.account_id,
                refund_id=cmd.refund_id,
                payment_id=cmd.payment_id,
                external_reference=payment.external_reference if payment is not None else None,
                amount=Money(amount=cmd.amount, currency=currency),
                reason=cmd.reason,
                requested_at=now,
            )
        )
    return await refund(uow, cmd.refund_id), True


def _same_refund(earlier: Row[Any], cmd: RefundCommand) -> dict[str, Any]:
    same = (
        earlier.account_id == cmd.account_id
        and earlier.payment_id == cmd.payment_id
        and Decimal(earlier.amount) == cmd.amount
        and (cmd.currency is None or earlier.currency == cmd.currency)
    )
    if not same:
        raise Conflict(f"refund {cmd.refund_id} was requested already with other terms")
    return dict(earlier._mapping)


async def _payment_of(uow: UnitOfWork, cmd: RefundCommand) -> Row[Any]:
    payment = (
        await uow.session.execute(sa.select(payments).where(payments.c.id == cmd.payment_id))
    ).first()
    if payment is None or payment.account_id != cmd.account_id:
        raise NotFound(f"account {cmd.account_id} has no payment {cmd.payment_id}")
    if payment.status != "received":
        raise Conflict(f"payment {cmd.payment_id} failed; there is nothing to refund")
    if cmd.currency is not None and cmd.currency != payment.currency:
        raise RuleViolation(f"payment {cmd.payment_id} is in {payment.currency}")
    return payment


async def _refunded_of(uow: UnitOfWork, payment_id: UUID | None) -> Decimal:
    """What was refunded (or is being refunded) of a payment: every refund but failed ones."""
    total = await uow.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(refunds.c.amount), 0)).where(
            refunds.c.payment_id == payment_id, refunds.c.status != "failed"
        )
    )
    return Decimal(total or 0)


async def complete_refund(event: RefundCompleted, uow: UnitOfWork) -> None:
    """The gateway sent the money: the refund is completed (the same notice twice: once)."""
    row = await _settling(uow, event.refund_id, event.account_id, "completed")
    if row is None:
        return
    await uow.session.execute(
        sa.update(refunds)
        .where(refunds.c.refund_id == event.refund_id)
        .values(
            status="completed",
            settled_at=event.completed_at,
            gateway_reference=event.gateway_reference,
        )
    )


async def fail_refund(event: RefundFailed, uow: UnitOfWork) -> None:
    """The gateway could not send the money: it is the customer's unapplied cash again."""
    row = await _settling(uow, event.refund_id, event.account_id, "failed")
    if row is None:
        return
    ledger = await load_ledger(uow, row.account_id, row.currency)
    try:
        restored = ledger.reverse_refund(row.refund_id)
    except LedgerError as exc:
        raise RuleViolation(str(exc)) from exc
    await save_postings(uow, row.account_id, row.currency, restored, uow.clock.now())
    await uow.session.execute(
        sa.update(refunds)
        .where(refunds.c.refund_id == event.refund_id)
        .values(status="failed", settled_at=event.failed_at, failure_reason=event.reason)
    )


async def _settling(
    uow: UnitOfWork, refund_id: UUID, account_id: UUID, outcome: str
) -> Row[Any] | None:
    """The requested refund a gateway's answer settles (None: settled so already). An
    unknown refund, another account's, or the opposite outcome is refused (to the DLQ)."""
    await lock_account(uow, account_id)
    row = await _refund_row(uow, refund_id)
    if row is None or row.account_id != account_id:
        raise NotFound(f"account {account_id} has no refund {refund_id}")
    if row.status == outcome:
        return None
    if row.status != "requested":
        raise Conflict(f"refund {refund_id} is {row.status} already; it cannot be {outcome}")
    return row


async def _refund_row(uow: UnitOfWork, refund_id: UUID) -> Row[Any] | None:
    return (
        await uow.session.execute(sa.select(refunds).where(refunds.c.refund_id == refund_id))
    ).first()


async def refund(uow: UnitOfWork, refund_id: UUID) -> dict[str, Any]:
    row = await _refund_row(uow, refund_id)
    if row is None:
        raise NotFound(f"no refund {refund_id}")
    return dict(row._mapping)


async def list_refunds(uow: UnitOfWork, page: Page, **filters: Any) -> list[dict[str, Any]]:
    query = sa.select(refunds).order_by(refunds.c.requested_at.desc(), refunds.c.refund_id)
    for name, value in filters.items():
        if value is not None:
            query = query.where(refunds.c[name] == value)
    rows = await uow.session.execute(query.limit(page.limit).offset(page.offset))
    return [dict(r._mapping) for r in rows]
