"""Invoice disputes on a real PostgreSQL (ar-svc migrated by its Alembic scripts), with a
hand-set clock: a dispute pauses dunning, an upheld one credits the invoice with a credit
note, a rejected one changes nothing; every balance below is computed by hand."""

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
from ar_svc.domain.dunning import DEFAULT_POLICY
from ar_svc.handlers import disputes
from ar_svc.handlers import receivables as handlers
from ar_svc.handlers.dunning import dun_due_invoices
from l2c_platform.factories import invoice_issued
from l2c_platform.testing import FixedClock, migrated_database
from l2c_runtime.db import session_factory
from l2c_runtime.errors import Conflict, NotFound, RuleViolation
from l2c_runtime.messaging_tables import outbox
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas import InvoiceIssued, Money
from l2c_schemas.billing import InvoiceVoided

pytestmark = pytest.mark.integration
DATABASE = "l2c_test_ar_disputes"
D = Decimal
T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
async def engine() -> AsyncIterator[AsyncEngine]:
    async with migrated_database(DATABASE, MIGRATIONS, 10) as engine:
        yield engine


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def uow(engine: AsyncEngine, clock: FixedClock) -> Callable[[], Any]:
    return unit_of_work_factory(session_factory(engine), clock, "/test/ar")


async def issued(uow: Any, account: UUID, total: str, due_in_days: int = 30) -> InvoiceIssued:
    """An invoice of 2026-01-01, due on 01-31 (by default), opened as a receivable."""
    event = invoice_issued(account, total, date(2026, 1, 1), due_in_days=due_in_days)
    async with uow() as u:
        await handlers.open_receivable(event, u)
    return event


async def pay(uow: Any, invoice: InvoiceIssued, amount: str) -> None:
    async with uow() as u:
        await handlers.record_payment(
            handlers.PaymentCommand(
                external_reference=f"ext-{uuid4()}",
                account_id=invoice.account_id,
                amount=Money.of(amount, "EUR"),
                method="bank_transfer",
                invoice_number=invoice.invoice_number,
                received_at=T0,
            ),
            u,
        )


async def dispute(uow: Any, invoice: InvoiceIssued, amount: str, **kw: Any) -> dict[str, Any]:
    command = disputes.OpenDispute(
        invoice.invoice_id, D(amount), kw.get("reason", "two seats never used"), "customer"
    )
    async with uow() as u:
        return await disputes.open_dispute(command, u)


async def resolve(uow: Any, dispute_id: UUID, outcome: Any) -> dict[str, Any]:
    async with uow() as u:
        return await disputes.resolve_dispute(u, dispute_id, outcome, "checked", "fin-1")


async def balance(uow: Any, account: UUID) -> dict[str, Any]:
    async with uow() as u:
        return await handlers.account_balance(u, account)


async def events(engine: AsyncEngine, account: UUID) -> list[tuple[str, dict[str, Any]]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(outbox.c.ce_type, outbox.c.payload)
            .where(outbox.c.message_key == str(account))
            .order_by(outbox.c.id)
        )
        return [(r.ce_type.split(".")[2], json.loads(r.payload)) for r in rows]


async def test_a_dispute_pauses_dunning_and_an_upheld_one_credits_the_invoice(
    uow: Any, engine: AsyncEngine, clock: FixedClock
) -> None:
    account, other = uuid4(), uuid4()
    invoice = await issued(uow, account, "1190.00")
    undisputed = await issued(uow, other, "80.00")
    await pay(uow, invoice, "190.00")  # 1190.00 − 190.00 = 1000.00 open
    opened = await dispute(uow, invoice, "300.00")
    assert (opened["status"], opened["amount"], opened["opened_by"]) == (
        "open", D("300.00"), "customer"
    )  # fmt: skip

    clock.moment = datetime(2026, 2, 5, 9, 0, tzinfo=UTC)  # 5 days past due
    await dun_due_invoices(uow, DEFAULT_POLICY)
    kinds = [k for k, _ in await events(engine, account)]
    assert kinds == ["PaymentReceived", "PaymentApplied", "InvoiceDisputed"]  # paused
    assert [k for k, _ in await events(engine, other)] == ["InvoiceOverdue", "DunningNoticeSent"]
    assert undisputed.account_id == other

    resolved = await resolve(uow, opened["dispute_id"], "upheld")
    assert resolved["status"] == "upheld" and resolved["credit_note_id"] is not None
    state = await balance(uow, account)
    assert state["balance"] == D("700.00")  # 1190.00 − 190.00 − 300.00
    assert state["invoices"][0]["balance"] == D("700.00")
    assert state["unapplied_cash"] == D("0.00")  # the whole credit went onto the invoice
    published = await events(engine, account)
    assert [k for k, _ in published][3:] == ["CreditApplied", "DisputeResolved"]
    settled = published[4][1]
    assert (settled["outcome"], settled["credited"]["amount"]) == ("upheld", "300.00")
    assert settled["invoice_balance"]["amount"] == "700.00"
    assert settled["credit_note_id"] == str(resolved["credit_note_id"])

    await dun_due_invoices(uow, DEFAULT_POLICY)  # resumes: overdue, first reminder on 700.00
    resumed = (await events(engine, account))[5:]
    assert [k for k, _ in resumed] == ["InvoiceOverdue", "DunningNoticeSent"]
    assert resumed[0][1]["balance"]["amount"] == "700.00"
    assert resumed[1][1]["step"] == 1

    with pytest.raises(Conflict, match="already upheld"):
        await resolve(uow, opened["dispute_id"], "rejected")


async def test_a_rejected_dispute_leaves_the_invoice_as_it_was(
    uow: Any, engine: AsyncEngine
) -> None:
    account = uuid4()
    invoice = await issued(uow, account, "500.00")
    opened = await dispute(uow, invoice, "500.00")
    with pytest.raises(Conflict, match="already has an open dispute"):
        await dispute(uow, invoice, "10.00")
    resolved = await resolve(uow, opened["dispute_id"], "rejected")
    assert (resolved["status"], resolved["credit_note_id"]) == ("rejected", None)
    state = await balance(uow, account)
    assert (state["balance"], state["unapplied_cash"]) == (D("500.00"), D("0"))
    published = await events(engine, account)
    assert [k for k, _ in published] == ["InvoiceDisputed", "DisputeResolved"]
    assert published[1][1]["credited"] is None
    assert published[1][1]["invoice_balance"]["amount"] == "500.00"
    again = await dispute(uow, invoice, "20.00")  # resolved: another may be opened
    assert again["status"] == "open"


async def test_an_upheld_dispute_beyond_the_balance_pays_it_and_leaves_credit(
    uow: Any, engine: AsyncEngine
) -> None:
    account = uuid4()
    invoice = await issued(uow, account, "1000.00")
    await pay(uow, invoice, "900.00")  # 100.00 open
    opened = await dispute(uow, invoice, "250.00")
    await resolve(uow, opened["dispute_id"], "upheld")
    state = await balance(uow, account)
    assert state["balance"] == D("-150.00")  # 1000.00 − 900.00 − 250.00: we owe them
    assert state["unapplied_cash"] == D("150.00")  # 250.00 − the 100.00 applied
    assert [(i["status"], i["balance"]) for i in state["invoices"]] == [("paid", D("0.00"))]
    kinds = [k for k, _ in await events(engine, account)]
    assert kinds[-4:] == ["InvoiceDisputed", "CreditApplied", "InvoicePaid", "DisputeResolved"]
    follow = await issued(uow, account, "400.00", due_in_days=60)
    state = await balance(uow, account)  # the credit pays the next invoice: 400.00 − 150.00
    owed = {i["invoice_id"]: i["balance"] for i in state["invoices"]}
    assert owed == {invoice.invoice_id: D("0.00"), follow.invoice_id: D("250.00")}


async def test_what_cannot_be_disputed(uow: Any) -> None:
    account = uuid4()
    invoice = await issued(uow, account, "99.99")
    with pytest.raises(RuleViolation, match=r"exceeds the invoice total 99\.99"):
        await dispute(uow, invoice, "100.00")
    with pytest.raises(RuleViolation, match="more than 2 decimals"):
        await dispute(uow, invoice, "10.005")
    with pytest.raises(RuleViolation, match="must be positive"):
        await dispute(uow, invoice, "0")
    async with uow() as u:
        await handlers.void_receivable(
            InvoiceVoided(
                lead_id=invoice.lead_id,
                account_id=account,
                invoice_id=invoice.invoice_id,
                invoice_number=invoice.invoice_number,
                amount=invoice.total,
                reason="duplicate",
                voided_at=T0,
            ),
            u,
        )
    with pytest.raises(RuleViolation, match="void cannot be disputed"):
        await dispute(uow, invoice, "1.00")
    unknown = invoice.model_copy(update={"invoice_id": uuid4()})
    with pytest.raises(NotFound):
        await dispute(uow, unknown, "1.00")
    with pytest.raises(NotFound):
        await resolve(uow, uuid4(), "upheld")
