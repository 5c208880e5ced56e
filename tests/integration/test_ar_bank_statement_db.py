"""A CAMT.053 statement with exact, partial, over-, unmatched, duplicate, debit and pending
lines, imported twice into ar-svc on a real PostgreSQL: both times the same books, the same
report, the same events. Every figure is computed by hand from the fixture
(services/ar-svc/tests/fixtures/acceptance.camt053.xml):

Ada owes INV-ST-1001 1102.50 and INV-ST-1002 400.00, Bob INV-ST-2001 2602.50, Cy
INV-ST-3001 750.00 and INV-ST-3002 800.00. The statement's lines, in order:

| entry   | amount  | what it says          | outcome                                          |
|---------|---------|-----------------------|--------------------------------------------------|
| E-001   | 1102.50 | "INV-ST-1001", Ada    | matched: INV-ST-1001 paid; Ada's IBAN learnt     |
| E-002   | 1000.00 | ref INV-ST-2001, Bob  | partly: INV-ST-2001 still owes 1602.50           |
| E-003   |  500.00 | "INV-ST-1002", Ada    | partly (over): 400.00 pays it, 100.00 unapplied  |
| E-004   | 1602.50 | no reference, Bob     | matched by amount and payer: INV-ST-2001 paid    |
| E-005   |   99.99 | a stranger            | unmatched, unidentified: no payment              |
| E-006   |  250.00 | no reference, Ada     | unmatched: 250.00 unapplied on Ada's account     |
| E-002   | 1000.00 | again in the file     | duplicate                                        |
| E-007   |   15.00 | debit (bank fee)      | ignored                                          |
| E-008   |  300.00 | pending               | ignored                                          |
| E-009/1 |  750.00 | "INV-ST-3001", Cy     | matched                                          |
| E-009/2 |  750.00 | "INV-ST-3002", Cy     | partly: INV-ST-3002 still owes 50.00             |
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ar_svc.adapters import statement_reports as reports
from ar_svc.adapters.tables import payer_accounts, payments
from ar_svc.app import MIGRATIONS
from ar_svc.domain.bank_statements import read_statement
from ar_svc.handlers import receivables as handlers
from ar_svc.handlers import statements
from ar_svc.handlers.statements import ImportOutcome, import_statement
from l2c_platform.factories import invoice_issued
from l2c_platform.launcher import Infrastructure
from l2c_platform.testing import FixedClock, migrated_database
from l2c_runtime.db import session_factory
from l2c_runtime.errors import Conflict, NotFound
from l2c_runtime.messaging_tables import outbox
from l2c_runtime.unit_of_work import unit_of_work_factory

pytestmark = pytest.mark.integration
DATABASE = "l2c_test_ar_bank_statement"
D = Decimal
T0 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
FIXTURE = (
    Path(__file__).resolve().parents[2] / "services/ar-svc/tests/fixtures/acceptance.camt053.xml"
)
ADA, BOB, CY = uuid4(), uuid4(), uuid4()
PARTLY, BY_AMOUNT = "partly_matched", "amount_and_payer"


@pytest.fixture
async def engine(infra: Infrastructure) -> AsyncIterator[AsyncEngine]:
    async with migrated_database(DATABASE, MIGRATIONS, 4) as engine:
        yield engine


@pytest.fixture
def uow(engine: AsyncEngine) -> Callable[[], Any]:
    return unit_of_work_factory(session_factory(engine), FixedClock(T0), "/test/ar")


async def books(uow: Any, account: UUID) -> tuple[Decimal, Decimal, list[tuple[str, str, Any]]]:
    """(balance, unapplied cash, [(invoice number, status, balance)])."""
    async with uow() as u:
        state = await handlers.account_balance(u, account)
    invoices = sorted((i["invoice_number"], i["status"], i["balance"]) for i in state["invoices"])
    return state["balance"], state["unapplied_cash"], invoices


async def state(uow: Any) -> dict[str, Any]:
    """Everything a re-import must leave as it was."""
    async with uow() as u:
        totals = await reports.totals(u, "STMT-2026-11-30-ACCEPT")
        lines = await reports.lines(u, "STMT-2026-11-30-ACCEPT", None, 500, 0)
        events = list(
            await u.session.execute(
                sa.select(outbox.c.ce_type, outbox.c.message_key).order_by(outbox.c.id)
            )
        )
        payment_count = await u.session.scalar(sa.select(sa.func.count()).select_from(payments))
        payers = dict(
            (
                await u.session.execute(
                    sa.select(payer_accounts.c.bank_account, payer_accounts.c.account_id)
                )
            ).all()
        )
    return {
        "books": [await books(uow, a) for a in (ADA, BOB, CY)],
        "totals": [(t.status, t.lines, t.amount, t.applied, t.unapplied) for t in totals],
        "lines": [
            (
                r.entry_reference,
                r.status,
                r.method,
                r.invoice_number,
                r.invoice_balance,
                r.applied,
                r.unapplied,
                r.payment_id is not None,
            )
            for r in lines
        ],
        "events": events,
        "payments": payment_count,
        "payers": payers,
    }


async def open_fixture_invoices(uow: Any) -> None:
    november = date(2026, 11, 1)
    for account, number, total, issued in (
        (ADA, "INV-ST-1001", "1102.50", november),
        (ADA, "INV-ST-1002", "400.00", date(2026, 11, 15)),
        (BOB, "INV-ST-2001", "2602.50", november),
        (CY, "INV-ST-3001", "750.00", november),
        (CY, "INV-ST-3002", "800.00", date(2026, 11, 2)),
    ):
        async with uow() as u:
            await handlers.open_receivable(
                invoice_issued(account, total, issued, number=number, issued_at=T0), u
            )


async def import_fixture(uow: Any) -> ImportOutcome:
    return await import_statement(read_statement(FIXTURE.read_bytes()), "finance-1", uow)


@pytest.mark.parametrize("chunk", [1000, 3], ids=["one-chunk", "chunks-of-3"])
async def test_a_statement_imported_twice_gives_the_same_hand_computed_books(
    uow: Any, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Chunks of 3 lines: the repeated E-002 and the payers learnt come from earlier
    # transactions; the figures are the same.
    monkeypatch.setattr(statements, "CHUNK_LINES", chunk)
    await open_fixture_invoices(uow)
    async with uow() as u:
        events_before = await u.session.scalar(sa.select(sa.func.count()).select_from(outbox))

    first = await import_fixture(uow)
    assert (first.lines, first.duplicates) == (11, 1)
    assert first.counts == {"matched": 3, "partly_matched": 3, "unmatched": 2, "ignored": 2}
    # matched 1102.50 + 1602.50 + 750.00; partly 1000.00 + 500.00 + 750.00;
    # unmatched 99.99 + 250.00; ignored 15.00 + 300.00
    assert first.amounts == {
        "matched": D("3455.00"),
        "partly_matched": D("2250.00"),
        "unmatched": D("349.99"),
        "ignored": D("315.00"),
    }
    after_first = await state(uow)

    # Ada: invoices 1502.50 − payments (1102.50 + 500.00 + 250.00) = −350.00, all unapplied
    # (100.00 over-paid on INV-ST-1002, 250.00 without an invoice).
    # Bob: 2602.50 − 1000.00 − 1602.50 = 0.00. Cy: 1550.00 − 1500.00 = 50.00 on INV-ST-3002.
    assert after_first["books"] == [
        (
            D("-350.00"),
            D("350.00"),
            [("INV-ST-1001", "paid", D("0.00")), ("INV-ST-1002", "paid", D("0.00"))],
        ),
        (D("0.00"), D("0.00"), [("INV-ST-2001", "paid", D("0.00"))]),
        (
            D("50.00"),
            D("0.00"),
            [("INV-ST-3001", "paid", D("0.00")), ("INV-ST-3002", "open", D("50.00"))],
        ),
    ]
    assert after_first["totals"] == [
        ("ignored", 2, D("315.00"), D("0.00"), D("315.00")),
        ("matched", 3, D("3455.00"), D("3455.00"), D("0.00")),
        ("partly_matched", 3, D("2250.00"), D("2150.00"), D("100.00")),
        ("unmatched", 2, D("349.99"), D("0.00"), D("349.99")),
    ]
    assert after_first["lines"] == [
        ("E-001", "matched", "reference", "INV-ST-1001", D("0.00"), D("1102.50"), D("0.00"), True),
        ("E-002", PARTLY, "reference", "INV-ST-2001", D("1602.50"), D("1000.00"), D("0.00"), True),
        ("E-003", PARTLY, "reference", "INV-ST-1002", D("0.00"), D("400.00"), D("100.00"), True),
        ("E-004", "matched", BY_AMOUNT, "INV-ST-2001", D("0.00"), D("1602.50"), D("0.00"), True),
        ("E-005", "unmatched", "none", None, None, D("0.00"), D("99.99"), False),
        ("E-006", "unmatched", "payer", None, None, D("0.00"), D("250.00"), True),
        ("E-007", "ignored", "none", None, None, D("0.00"), D("15.00"), False),
        ("E-008", "ignored", "none", None, None, D("0.00"), D("300.00"), False),
        ("E-009/1", "matched", "reference", "INV-ST-3001", D("0.00"), D("750.00"), D("0.00"), True),
        ("E-009/2", PARTLY, "reference", "INV-ST-3002", D("50.00"), D("750.00"), D("0.00"), True),
    ]  # fmt: skip
    # 7 payments (every credit of a known payer): 7 PaymentReceived, 6 PaymentApplied (E-006
    # is not applied), 4 InvoicePaid (INV-ST-1001, -1002, -2001, -3001).
    new_events = [ce_type for ce_type, _ in after_first["events"][events_before:]]
    assert sorted(new_events) == sorted(
        ["l2c.ar.PaymentReceived.v1"] * 7
        + ["l2c.ar.PaymentApplied.v1"] * 6
        + ["l2c.ar.InvoicePaid.v1"] * 4
    )
    assert after_first["payments"] == 7
    assert after_first["payers"] == {
        "DE44500105175407324931": ADA,
        "GB29NWBK60161331926819": BOB,
        "FR1420041010050500013M02606": CY,
    }

    second = await import_fixture(uow)
    assert (second.lines, second.duplicates, second.counts) == (11, 11, {})
    assert await state(uow) == after_first


async def test_finance_names_the_customer_of_an_unidentified_line(uow: Any) -> None:
    await open_fixture_invoices(uow)
    await import_fixture(uow)
    # E-005, 99.99 from a stranger, is Cy's: no invoice of Cy owes 99.99, so the oldest open
    # one (INV-ST-3002, 50.00 left after the statement) is paid and 49.99 stays unapplied.
    async with uow() as u:
        match = await statements.assign_line("STMT-2026-11-30-ACCEPT", "E-005", CY, u)
    assert (match.status, match.method, match.invoice_number, match.invoice_balance) == (
        PARTLY,
        "manual",
        "INV-ST-3002",
        D("0.00"),
    )
    assert (match.applied, match.unapplied) == (D("50.00"), D("49.99"))
    # Cy: 1550.00 − 1500.00 − 99.99 = −49.99, all of it unapplied.
    assert await books(uow, CY) == (
        D("-49.99"),
        D("49.99"),
        [("INV-ST-3001", "paid", D("0.00")), ("INV-ST-3002", "paid", D("0.00"))],
    )
    for entry, error in (("E-005", Conflict), ("E-001", Conflict), ("E-404", NotFound)):
        with pytest.raises(error):
            async with uow() as u:
                await statements.assign_line("STMT-2026-11-30-ACCEPT", entry, CY, u)
    again = await import_fixture(uow)
    assert (again.duplicates, again.counts) == (11, {})
    assert await books(uow, CY) == (
        D("-49.99"),
        D("49.99"),
        [("INV-ST-3001", "paid", D("0.00")), ("INV-ST-3002", "paid", D("0.00"))],
    )
