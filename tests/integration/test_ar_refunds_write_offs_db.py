"""Refunds and write-offs by hand on a real PostgreSQL (ar-svc migrated by its Alembic
scripts): a credited paid invoice refunded, a refund that fails and gives the money back to
unapplied cash, a refund of an overpayment, and a write-off approved by a second finance user
then reversed. Every balance below is computed by hand."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ar_svc.app import MIGRATIONS
from ar_svc.handlers import receivables as handlers
from ar_svc.handlers import refunds, write_offs
from l2c_platform.factories import invoice_issued
from l2c_platform.testing import FixedClock, migrated_database
from l2c_runtime.auth import Principal
from l2c_runtime.db import session_factory
from l2c_runtime.errors import Conflict, Forbidden, NotFound, RuleViolation
from l2c_runtime.messaging_tables import outbox
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas import InvoiceIssued, Money
from l2c_schemas.ar import RefundCompleted, RefundFailed
from l2c_schemas.billing import CreditNoteIssued

pytestmark = pytest.mark.integration
DATABASE = "l2c_test_ar_refunds_write_offs"
D = Decimal
T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
FIN_1 = Principal("fin-1", frozenset({"finance"}), frozenset())
FIN_2 = Principal("fin-2", frozenset({"finance"}), frozenset())


@pytest.fixture(scope="module")
async def engine() -> AsyncIterator[AsyncEngine]:
    async with migrated_database(DATABASE, MIGRATIONS, 10) as engine:
        yield engine


@pytest.fixture
def uow(engine: AsyncEngine) -> Callable[[], Any]:
    return unit_of_work_factory(session_factory(engine), FixedClock(T0), "/test/ar")


async def issued(uow: Any, account: UUID, total: str) -> InvoiceIssued:
    event = invoice_issued(account, total, date(2026, 1, 1))
    async with uow() as u:
        await handlers.open_receivable(event, u)
    return event


async def pay(uow: Any, invoice: InvoiceIssued, amount: str) -> UUID:
    async with uow() as u:
        outcome = await handlers.record_payment(
            handlers.PaymentCommand(
                external_reference=f"ext-{uuid4()}",
                account_id=invoice.account_id,
                amount=Money.of(amount, "EUR"),
                method="card",
                invoice_number=invoice.invoice_number,
                received_at=T0,
            ),
            u,
        )
    return outcome.payment_id


async def credit(uow: Any, invoice: InvoiceIssued, subtotal: str, tax: str) -> None:
    total = str(D(subtotal) + D(tax))
    note = CreditNoteIssued(
        lead_id=invoice.lead_id,
        account_id=invoice.account_id,
        credit_note_id=uuid4(),
        credit_note_number=f"CN-{uuid4().hex[:8]}",
        invoice_id=invoice.invoice_id,
        currency="EUR",
        lines=[],
        subtotal=Money.of(subtotal, "EUR"),
        tax_total=Money.of(tax, "EUR"),
        total=Money.of(total, "EUR"),
        reason="line 2 credited by hand",
        issued_at=T0,
    )
    async with uow() as u:
        await handlers.issue_credit_note(note, u)


async def refund(uow: Any, account: UUID, amount: str, **kw: Any) -> tuple[dict[str, Any], bool]:
    command = refunds.RefundCommand(
        refund_id=kw.pop("refund_id", uuid4()),
        account_id=account,
        amount=D(amount),
        reason="customer asked",
        requester="fin-1",
        **kw,
    )
    async with uow() as u:
        return await refunds.request_refund(command, u)


async def balance(uow: Any, account: UUID) -> tuple[Decimal, Decimal, list[Decimal]]:
    """(account balance, unapplied funds, each invoice's balance)."""
    async with uow() as u:
        b = await handlers.account_balance(u, account)
    return b["balance"], b["unapplied_cash"], [i["balance"] for i in b["invoices"]]


async def events(engine: AsyncEngine, account: UUID, kind: str) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(outbox.c.ce_type, outbox.c.payload, outbox.c.topic)
            .where(outbox.c.message_key == str(account))
            .order_by(outbox.c.id)
        )
        return [
            {**json.loads(r.payload), "_topic": r.topic}
            for r in rows
            if r.ce_type.split(".")[2] == kind
        ]


async def test_a_credited_paid_invoice_is_refunded_and_a_failed_refund_gives_the_money_back(
    uow: Any, engine: AsyncEngine
) -> None:
    account = uuid4()
    # 150.00 + 21 % = 181.50, paid in full; then line 2 (50.00 + 10.50 tax) credited: 60.50.
    invoice = await issued(uow, account, "181.50")
    payment = await pay(uow, invoice, "181.50")
    await credit(uow, invoice, "50.00", "10.50")
    # invoice 181.50 − payment 181.50 − credit 60.50 = −60.50: we owe the customer 60.50.
    assert await balance(uow, account) == (D("-60.50"), D("60.50"), [D("0.00")])

    with pytest.raises(RuleViolation, match=r"only 60.50 EUR is refundable; 60.51 asked"):
        await refund(uow, account, "60.51", payment_id=payment)
    first = uuid4()
    made, created = await refund(uow, account, "60.50", payment_id=payment, refund_id=first)
    assert created and made["status"] == "requested"
    assert await balance(uow, account) == (D("0.00"), D("0.00"), [D("0.00")])
    (requested,) = await events(engine, account, "RefundRequested")
    assert requested["_topic"] == "l2c.payments.outbound.v1"
    assert requested["amount"] == {"amount": "60.50", "currency": "EUR"}
    assert requested["payment_id"] == str(payment)

    # The same refund again is the same refund; the same id with other terms is refused.
    again, created = await refund(uow, account, "60.50", payment_id=payment, refund_id=first)
    assert not created and again["refund_id"] == first
    with pytest.raises(Conflict):
        await refund(uow, account, "10.00", payment_id=payment, refund_id=first)
    assert len(await events(engine, account, "RefundRequested")) == 1

    # The gateway fails: 60.50 is unapplied again (twice the notice: once).
    failed = RefundFailed(refund_id=first, account_id=account, reason="card expired", failed_at=T0)
    for _ in range(2):
        async with uow() as u:
            await refunds.fail_refund(failed, u)
    assert await balance(uow, account) == (D("-60.50"), D("60.50"), [D("0.00")])
    with pytest.raises(Conflict):
        async with uow() as u:
            await refunds.complete_refund(
                RefundCompleted(refund_id=first, account_id=account, completed_at=T0), u
            )

    # A second refund, completed: the failed one does not count against the payment.
    second, _ = await refund(uow, account, "60.50", payment_id=payment)
    async with uow() as u:
        await refunds.complete_refund(
            RefundCompleted(
                refund_id=second["refund_id"],
                account_id=account,
                gateway_reference="re_123",
                completed_at=T0,
            ),
            u,
        )
        done = await refunds.refund(u, second["refund_id"])
    assert (done["status"], done["gateway_reference"]) == ("completed", "re_123")
    assert await balance(uow, account) == (D("0.00"), D("0.00"), [D("0.00")])
    with pytest.raises(RuleViolation, match=r"only 0\.00 EUR is refundable"):
        await refund(uow, account, "0.01", payment_id=payment)

    # A gateway's answer about a refund L2C never asked for is refused (to the DLQ).
    with pytest.raises(NotFound):
        async with uow() as u:
            await refunds.complete_refund(
                RefundCompleted(refund_id=uuid4(), account_id=account, completed_at=T0), u
            )


async def test_an_overpayment_is_refunded_as_unapplied_cash(uow: Any) -> None:
    account = uuid4()
    invoice = await issued(uow, account, "100.00")
    await pay(uow, invoice, "150.00")  # 50.00 more than owed: unapplied
    assert await balance(uow, account) == (D("-50.00"), D("50.00"), [D("0.00")])
    with pytest.raises(RuleViolation, match="name the currency"):
        await refund(uow, account, "50.00")
    with pytest.raises(RuleViolation, match=r"only 50.00 EUR is refundable; 50.01 asked"):
        await refund(uow, account, "50.01", currency="EUR")
    made, _ = await refund(uow, account, "20.00", currency="EUR")
    assert made["payment_id"] is None
    assert await balance(uow, account) == (D("-30.00"), D("30.00"), [D("0.00")])


async def test_a_write_off_needs_a_second_user_and_can_be_reversed(
    uow: Any, engine: AsyncEngine
) -> None:
    account = uuid4()
    invoice = await issued(uow, account, "100.00")
    await pay(uow, invoice, "70.00")
    async with uow() as u:
        asked = await write_offs.request_write_off(u, invoice.invoice_id, "small rest", "fin-1")
    assert (asked["amount"], asked["status"]) == (D("30.00"), "pending_approval")
    with pytest.raises(Conflict):
        async with uow() as u:
            await write_offs.request_write_off(u, invoice.invoice_id, "again", "fin-2")
    with pytest.raises(Forbidden, match="may not approve their own write-off"):
        async with uow() as u:
            await write_offs.approve_write_off(u, asked["write_off_id"], FIN_1)
    assert await balance(uow, account) == (D("30.00"), D("0.00"), [D("30.00")])

    async with uow() as u:
        done = await write_offs.approve_write_off(u, asked["write_off_id"], FIN_2)
    assert (done["status"], done["decided_by"], done["amount"]) == (
        "written_off",
        "fin-2",
        D("30.00"),
    )
    assert await balance(uow, account) == (D("0.00"), D("0.00"), [D("0.00")])
    (written_off,) = await events(engine, account, "InvoiceWrittenOff")
    assert written_off["amount"]["amount"] == "30.00"
    assert written_off["write_off_id"] == str(asked["write_off_id"])

    async with uow() as u:
        back = await write_offs.reverse_write_off(u, asked["write_off_id"], "paid late", "fin-1")
        row = await handlers.receivable(u, invoice.invoice_id)
    assert back["status"] == "reversed" and row.status == "open"
    assert row.next_dunning_on is None  # not dunned again by itself (docs/finance.md)
    assert await balance(uow, account) == (D("30.00"), D("0.00"), [D("30.00")])
    (reversed_,) = await events(engine, account, "WriteOffReversed")
    assert reversed_["amount"]["amount"] == "30.00"
    with pytest.raises(Conflict):
        async with uow() as u:
            await write_offs.reverse_write_off(u, asked["write_off_id"], "twice", "fin-1")


async def test_a_pending_write_off_can_be_rejected_by_another_user(uow: Any) -> None:
    account = uuid4()
    invoice = await issued(uow, account, "40.00")
    async with uow() as u:
        asked = await write_offs.request_write_off(u, invoice.invoice_id, "doubtful", "fin-1")
    async with uow() as u:
        rejected = await write_offs.reject_write_off(u, asked["write_off_id"], FIN_2, "chase it")
    assert rejected["status"] == "rejected"
    assert await balance(uow, account) == (D("40.00"), D("0.00"), [D("40.00")])
