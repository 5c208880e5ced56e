"""Payments that come before their invoice. Events of different topics have no order between
them: a gateway's PaymentNotified can overtake billing's InvoiceIssued. Such a payment is
kept as unapplied cash of the account and pays its invoice when that arrives:

- a payment that names an invoice number ar-svc does not know yet is reserved for it: it is
  not spread over the account's other invoices, and it pays that invoice first when issued;
- a payment of an account with no invoice at all is recorded without PaymentReceived (the
  event belongs to a journey, which only an invoice names); the first invoice of the account
  announces it, then applies it.
"""

from __future__ import annotations

import logging
from uuid import UUID

import sqlalchemy as sa

from ar_svc.adapters.tables import payments, receivables
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import Money, PaymentReceived

log = logging.getLogger(__name__)


async def invoice_known(uow: UnitOfWork, invoice_number: str) -> bool:
    """Whether an invoice of this number was issued (in whatever state it is now)."""
    found = await uow.session.scalar(
        sa.select(receivables.c.invoice_id).where(receivables.c.invoice_number == invoice_number)
    )
    return found is not None


async def hold_unannounced(uow: UnitOfWork, payment_id: UUID) -> None:
    """The payment waits, unannounced, for the first invoice of its account."""
    await uow.session.execute(
        sa.update(payments).where(payments.c.id == payment_id).values(announced=False)
    )


async def announce_waiting_payments(
    uow: UnitOfWork, account_id: UUID, currency: str, lead_id: UUID
) -> None:
    """PaymentReceived, in the journey of the account's first invoice, for each payment that
    came before it."""
    waiting = (
        await uow.session.execute(
            sa.update(payments)
            .where(
                payments.c.account_id == account_id,
                payments.c.currency == currency,
                payments.c.announced.is_(False),
            )
            .values(announced=True)
            .returning(payments)
        )
    ).all()
    for row in sorted(waiting, key=lambda r: (r.received_at, r.external_reference)):
        if row.status != "received":
            continue  # a failed attempt moved no money; nothing to announce now
        await uow.emit(
            PaymentReceived(
                lead_id=lead_id,
                account_id=account_id,
                payment_id=row.id,
                external_reference=row.external_reference,
                amount=Money(amount=row.amount, currency=currency),
                method=row.method,
                received_at=row.received_at,
            )
        )


async def reservations(uow: UnitOfWork, account_id: UUID, currency: str) -> dict[UUID, str]:
    """The account's payments that name an invoice not issued yet, with that number: their
    cash waits for that invoice rather than paying another."""
    rows = await uow.session.execute(
        sa.select(payments.c.id, payments.c.invoice_reference).where(
            payments.c.account_id == account_id,
            payments.c.currency == currency,
            payments.c.status == "received",
            payments.c.invoice_reference.is_not(None),
            ~sa.exists().where(receivables.c.invoice_number == payments.c.invoice_reference),
        )
    )
    return {r.id: r.invoice_reference for r in rows}


async def reserved_for(uow: UnitOfWork, account_id: UUID, invoice_number: str) -> set[UUID]:
    """The payments that named this invoice before it was issued."""
    rows = await uow.session.scalars(
        sa.select(payments.c.id).where(
            payments.c.account_id == account_id, payments.c.invoice_reference == invoice_number
        )
    )
    return set(rows)
