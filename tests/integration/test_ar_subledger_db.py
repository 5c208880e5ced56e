"""ar-svc's handlers and dunning job on a real PostgreSQL (migrated by its Alembic scripts),
with a hand-set clock: every figure below is computed by hand."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ar_svc.adapters import report_queries as reports
from ar_svc.app import MIGRATIONS
from ar_svc.domain.dunning import DEFAULT_POLICY
from ar_svc.handlers import receivables as handlers
from ar_svc.handlers.dunning import dun_due_invoices
from l2c_platform.factories import invoice_issued
from l2c_platform.launcher import Infrastructure
from l2c_platform.testing import FixedClock, migrated_database
from l2c_runtime.db import session_factory
from l2c_runtime.errors import Conflict, RuleViolation
from l2c_runtime.messaging_tables import outbox
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas import InvoiceIssued, Money
from l2c_schemas.billing import CreditNoteIssued, InvoiceVoided

pytestmark = pytest.mark.integration
DATABASE = "l2c_test_h_ar"
D = Decimal
T0 = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
async def engine(infra: Infrastructure) -> AsyncIterator[AsyncEngine]:
    async with migrated_database(DATABASE, MIGRATIONS, 10) as engine:
        yield engine


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def uow(engine: AsyncEngine, clock: FixedClock) -> Callable[[], Any]:
    return unit_of_work_factory(session_factory(engine), clock, "/test/ar")


def invoice(account: UUID, total: str, issued: date, due: date) -> InvoiceIssued:
    return invoice_issued(account, total, issued, due_in_days=(due - issued).days, issued_at=T0)


async def pay(uow: Any, account: UUID, amount: str, ref: str | None = None, **kw: Any) -> Any:
    async with uow() as u:
        return await handlers.record_payment(
            handlers.PaymentCommand(
                external_reference=f"ext-{uuid4()}",
                account_id=account,
                amount=Money.of(amount, "EUR"),
                method=kw.get("method", "bank_transfer"),
                invoice_number=ref,
                received_at=kw.get("received_at", T0),
                status=kw.get("status", "succeeded"),
            ),
            u,
        )


async def issue(uow: Any, event: InvoiceIssued) -> None:
    async with uow() as u:
        await handlers.open_receivable(event, u)


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


async def test_partial_payment_credit_note_and_balance_to_the_cent(uow: Any) -> None:
    account = uuid4()
    jan = invoice(account, "2602.50", date(2026, 1, 1), date(2026, 1, 31))
    await issue(uow, jan)
    await pay(uow, account, "1000.00", jan.invoice_number)
    async with uow() as u:
        await handlers.issue_credit_note(
            CreditNoteIssued(
                lead_id=jan.lead_id,
                account_id=account,
                credit_note_id=uuid4(),
                credit_note_number="CN-1",
                invoice_id=jan.invoice_id,
                currency="EUR",
                lines=[],
                subtotal=Money.of("102.50", "EUR"),
                tax_total=Money.zero("EUR"),
                total=Money.of("102.50", "EUR"),
                reason="downgrade",
                issued_at=T0,
            ),
            u,
        )
    state = await balance(uow, account)
    # 2602.50 − 1000.00 − 102.50 = 1500.00
    assert state["balance"] == D("1500.00")
    assert state["invoices"][0]["balance"] == D("1500.00")
    assert state["unapplied_cash"] == D("0.00")


async def test_balances_of_different_currencies_are_never_added(uow: Any) -> None:
    account = uuid4()
    eur = invoice(account, "1102.50", date(2026, 1, 1), date(2026, 1, 31))
    usd = invoice(account, "500.00", date(2026, 1, 2), date(2026, 2, 1)).model_copy(
        update={
            "currency": "USD",
            "subtotal": Money.of("500.00", "USD"),
            "tax_total": Money.zero("USD"),
            "total": Money.of("500.00", "USD"),
        }
    )
    await issue(uow, eur)
    await issue(uow, usd)
    await pay(uow, account, "100.00", eur.invoice_number)
    with pytest.raises(RuleViolation, match="balances in EUR, USD"):
        await balance(uow, account)
    async with uow() as u:
        in_eur = await handlers.account_balance(u, account, "EUR")
        in_usd = await handlers.account_balance(u, account, "USD")
    assert (in_eur["currency"], in_eur["balance"]) == ("EUR", D("1002.50"))  # 1102.50 − 100.00
    assert [i["invoice_number"] for i in in_eur["invoices"]] == [eur.invoice_number]
    assert (in_usd["currency"], in_usd["balance"], in_usd["unapplied_cash"]) == (
        "USD",
        D("500.00"),
        D("0"),
    )


async def test_overpayment_pays_the_next_invoice_when_it_is_issued(
    uow: Any, engine: AsyncEngine
) -> None:
    account = uuid4()
    jan = invoice(account, "1102.50", date(2026, 1, 1), date(2026, 1, 31))
    await issue(uow, jan)
    await pay(uow, account, "1500.00")  # 397.50 too much
    assert (await balance(uow, account))["unapplied_cash"] == D("397.50")
    feb = invoice(account, "300.00", date(2026, 2, 1), date(2026, 3, 3))
    await issue(uow, feb)
    state = await balance(uow, account)
    assert [(i["status"], i["balance"]) for i in state["invoices"]] == [
        ("paid", D("0.00")),
        ("paid", D("0.00")),
    ]
    assert state["unapplied_cash"] == D("97.50")  # 397.50 − 300.00
    assert state["balance"] == D("-97.50")  # 1102.50 + 300.00 − 1500.00
    kinds = [k for k, _ in await events(engine, account)]
    assert kinds == [
        "PaymentReceived",
        "PaymentApplied",
        "InvoicePaid",
        "PaymentApplied",
        "InvoicePaid",
    ]


async def test_manual_apply_then_unapply_reverses_with_postings(uow: Any) -> None:
    account = uuid4()
    a = invoice(account, "100.00", date(2026, 1, 1), date(2026, 1, 31))
    b = invoice(account, "250.00", date(2026, 1, 2), date(2026, 2, 1))
    await issue(uow, a)
    await issue(uow, b)
    # 120.00 unreferenced: no exact match, so 100.00 to the oldest (a), 20.00 to b.
    outcome = await pay(uow, account, "120.00")
    assert [x.amount for x in outcome.application.allocations] == [D("100.00"), D("20.00")]
    async with uow() as u:
        applied_to_b = (
            await u.session.execute(
                sa.text(
                    "SELECT application_id FROM postings WHERE invoice_id = :i"
                    " AND kind = 'application'"
                ),
                {"i": b.invoice_id},
            )
        ).scalar_one()
    async with uow() as u:
        await handlers.unapply(applied_to_b, u)
    state = await balance(uow, account)
    assert [i["balance"] for i in state["invoices"]] == [D("0.00"), D("250.00")]
    assert state["unapplied_cash"] == D("20.00")
    async with uow() as u:
        with pytest.raises(Conflict, match="already reversed"):
            await handlers.unapply(applied_to_b, u)
    async with uow() as u:
        with pytest.raises(RuleViolation, match="unapplied"):
            await handlers.apply_manually(outcome.payment_id, b.invoice_id, D("20.01"), u)
    async with uow() as u:
        await handlers.apply_manually(outcome.payment_id, b.invoice_id, D("20.00"), u)
    state = await balance(uow, account)
    assert [i["balance"] for i in state["invoices"]] == [D("0.00"), D("230.00")]
    assert state["balance"] == D("230.00")  # 100.00 + 250.00 − 120.00
    async with uow() as u:
        detail = await handlers.payment_detail(outcome.payment_id, u)
    assert [(x["invoice_number"], x["amount"]) for x in detail["applications"]] == [
        (a.invoice_number, D("100.00")),
        (b.invoice_number, D("20.00")),
    ]
    assert detail["unapplied"] == D("0.00")


async def test_void_of_a_partly_paid_invoice_returns_the_cash(uow: Any) -> None:
    account = uuid4()
    inv = invoice(account, "1190.00", date(2026, 1, 1), date(2026, 1, 31))
    await issue(uow, inv)
    await pay(uow, account, "400.00")
    voided = InvoiceVoided(
        lead_id=inv.lead_id,
        account_id=account,
        invoice_id=inv.invoice_id,
        invoice_number=inv.invoice_number,
        amount=inv.total,
        reason="issued by mistake",
        voided_at=T0,
    )
    for _ in range(2):  # twice: the second changes nothing
        async with uow() as u:
            await handlers.void_receivable(voided, u)
    state = await balance(uow, account)
    assert state["invoices"][0]["status"] == "void"
    assert state["invoices"][0]["balance"] == D("0.00")
    assert (state["balance"], state["unapplied_cash"]) == (D("-400.00"), D("400.00"))


async def test_failed_card_payment_is_announced_and_retried(uow: Any, engine: AsyncEngine) -> None:
    account = uuid4()
    inv = invoice(account, "49.00", date(2026, 1, 1), date(2026, 1, 31))
    await issue(uow, inv)
    for _ in range(4):
        await pay(uow, account, "49.00", inv.invoice_number, method="card", status="failed")
    emitted = await events(engine, account)
    assert [k for k, _ in emitted].count("PaymentFailed") == 4
    retries = [e for k, e in emitted if k == "PaymentRetryRequested"]
    assert [(r["attempt"], r["retry_at"][:10]) for r in retries] == [
        (1, "2026-01-02"),
        (2, "2026-01-04"),
        (3, "2026-01-08"),
    ]
    assert (await balance(uow, account))["balance"] == D("49.00")


async def test_dunning_runs_its_schedule_then_stops_on_payment(
    uow: Any, engine: AsyncEngine, clock: FixedClock
) -> None:
    account = uuid4()
    inv = invoice(account, "2602.50", date(2025, 12, 1), date(2025, 12, 31))
    await issue(uow, inv)
    due = datetime(2025, 12, 31, 12, tzinfo=UTC)
    for days in (1, 2, 7, 14, 30):
        clock.moment = due + timedelta(days=days)
        await dun_due_invoices(uow, DEFAULT_POLICY)
        await dun_due_invoices(uow, DEFAULT_POLICY)  # a second pass the same day does nothing
    await pay(uow, account, "2602.50")
    clock.moment = due + timedelta(days=95)
    await dun_due_invoices(uow, DEFAULT_POLICY)
    emitted = [(k, e) for k, e in await events(engine, account)]
    notices = [
        (e["step"], e["days_past_due"], e["final"]) for k, e in emitted if k == "DunningNoticeSent"
    ]
    assert notices == [(1, 1, False), (2, 7, False), (3, 14, False), (4, 30, True)]
    kinds = [k for k, _ in emitted]
    assert kinds.count("InvoiceOverdue") == 1
    assert kinds.count("AccountDelinquent") == 1
    assert kinds.index("AccountDelinquent") > kinds.index("DunningNoticeSent")
    assert kinds[-4:] == ["PaymentReceived", "PaymentApplied", "InvoicePaid", "AccountReinstated"]
    delinquent = next(e for k, e in emitted if k == "AccountDelinquent")
    assert delinquent["overdue_balance"] == {"amount": "2602.50", "currency": "EUR"}
    assert "InvoiceWrittenOff" not in kinds
    assert (await balance(uow, account))["balance"] == D("0.00")


async def test_unpaid_invoice_is_written_off_90_days_past_due(
    uow: Any, engine: AsyncEngine, clock: FixedClock
) -> None:
    account = uuid4()
    inv = invoice(account, "1000.00", date(2025, 9, 1), date(2025, 10, 1))
    await issue(uow, inv)
    await pay(uow, account, "250.00")
    clock.moment = datetime(2025, 10, 1, 12, tzinfo=UTC) + timedelta(days=90)
    await dun_due_invoices(uow, DEFAULT_POLICY)
    emitted = await events(engine, account)
    written_off = [e for k, e in emitted if k == "InvoiceWrittenOff"]
    assert [(e["amount"]["amount"], e["days_past_due"]) for e in written_off] == [("750.00", 90)]
    state = await balance(uow, account)
    # 1000.00 − 250.00 paid − 750.00 written off
    assert (state["balance"], state["invoices"][0]["status"]) == (D("0.00"), "written_off")


async def test_aging_dso_and_cash_collected_from_the_postings(uow: Any, clock: FixedClock) -> None:
    account = uuid4()
    a = invoice(account, "1000.00", date(2026, 1, 1), date(2026, 1, 31))
    b = invoice(account, "500.00", date(2026, 2, 10), date(2026, 3, 12))
    clock.moment = datetime(2026, 1, 1, 9, tzinfo=UTC)
    await issue(uow, a)
    clock.moment = datetime(2026, 2, 10, 9, tzinfo=UTC)
    await issue(uow, b)
    clock.moment = datetime(2026, 2, 15, 9, tzinfo=UTC)
    await pay(uow, account, "300.00", a.invoice_number, received_at=clock.moment)
    async with uow() as u:
        # 31 March: a owes 700.00, 59 days late; b owes 500.00, 19 days late.
        assert await reports.aging_report(u, date(2026, 3, 31), "EUR", account) == {
            "current": D("0"),
            "1-30": D("500.00"),
            "31-60": D("700.00"),
            "61-90": D("0"),
            "90+": D("0"),
        }
        # 15 January: only a was issued, nothing paid yet, not due yet.
        early = await reports.aging_report(u, date(2026, 1, 15), "EUR", account)
        assert early["current"] == D("1000.00") and sum(early.values()) == D("1000.00")
        # Q1: 1200.00 owed at the end ÷ 1500.00 sold × 90 days = 72.0 days
        assert await reports.dso_report(u, date(2026, 1, 1), date(2026, 3, 31), "EUR", account) == {
            "ending_receivables": D("1200.00"),
            "credit_sales": D("1500.00"),
            "days": 90,
            "dso": D("72.0"),
        }
        collected = await reports.cash_collected_report(
            u, date(2026, 1, 1), date(2026, 3, 31), "month", "EUR", account
        )
    assert [(c.period_start.month, c.amount) for c in collected] == [
        (1, D("0")),
        (2, D("300.00")),
        (3, D("0")),
    ]
