"""A payment can overtake its invoice (they travel on different topics): it waits as
unapplied cash and pays the invoice when that is issued. Both orders end in the same books;
every figure is computed by hand."""

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
from l2c_platform.factories import invoice_issued
from l2c_platform.launcher import Infrastructure
from l2c_platform.testing import FixedClock, migrated_database
from l2c_runtime.db import session_factory
from l2c_runtime.errors import NotFound
from l2c_runtime.messaging_tables import outbox
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas import InvoiceIssued, Money

pytestmark = pytest.mark.integration
DATABASE = "l2c_test_ar_disorder"
D = Decimal
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
async def engine(infra: Infrastructure) -> AsyncIterator[AsyncEngine]:
    async with migrated_database(DATABASE, MIGRATIONS, 10) as engine:
        yield engine


@pytest.fixture
def uow(engine: AsyncEngine) -> Callable[[], Any]:
    return unit_of_work_factory(session_factory(engine), FixedClock(T0), "/test/ar")


def invoice(account: UUID, number: str, total: str, issued: date) -> InvoiceIssued:
    return invoice_issued(account, total, issued, number=number, issued_at=T0)


async def pay(
    uow: Any, account: UUID, amount: str, number: str | None, ref: str = "", **kw: Any
) -> handlers.PaymentOutcome:
    """A payment as a gateway's PaymentNotified brings it (unless told otherwise)."""
    async with uow() as u:
        return await handlers.record_payment(
            handlers.PaymentCommand(
                external_reference=ref or f"ext-{uuid4()}",
                account_id=account,
                amount=Money.of(amount, "EUR"),
                method="bank_transfer",
                invoice_number=number,
                received_at=T0,
                **kw,
            ),
            u,
        )


async def issue(uow: Any, event: InvoiceIssued) -> None:
    async with uow() as u:
        await handlers.open_receivable(event, u)


async def books(uow: Any, account: UUID) -> tuple[Decimal, Decimal, list[tuple[str, str, Any]]]:
    """(balance, unapplied cash, [(invoice number, status, balance)])."""
    async with uow() as u:
        state = await handlers.account_balance(u, account)
    invoices = sorted((i["invoice_number"], i["status"], i["balance"]) for i in state["invoices"])
    return state["balance"], state["unapplied_cash"], invoices


async def events(engine: AsyncEngine, account: UUID) -> list[tuple[str, dict[str, Any]]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(outbox.c.ce_type, outbox.c.payload)
            .where(outbox.c.message_key == str(account))
            .order_by(outbox.c.id)
        )
        return [(r.ce_type.split(".")[2], json.loads(r.payload)) for r in rows]


@pytest.mark.parametrize("payment_first", [True, False], ids=["payment-first", "invoice-first"])
async def test_either_order_ends_in_the_same_books(
    uow: Any, engine: AsyncEngine, payment_first: bool
) -> None:
    account = uuid4()
    number = f"INV-{uuid4().hex[:8]}"
    jan = invoice(account, number, "1000.00", date(2026, 3, 1))
    if payment_first:
        outcome = await pay(uow, account, "1200.00", number)
        assert outcome.application is not None and outcome.application.unapplied == D("1200.00")
        # Kept as the account's cash, and no event yet: no journey is known for it.
        assert await books(uow, account) == (D("-1200.00"), D("1200.00"), [])
        assert await events(engine, account) == []
        await issue(uow, jan)
    else:
        await issue(uow, jan)
        await pay(uow, account, "1200.00", number)

    # 1000.00 − 1200.00 = −200.00: the invoice is paid, 200.00 stays as the customer's cash.
    assert await books(uow, account) == (D("-200.00"), D("200.00"), [(number, "paid", D("0.00"))])
    emitted = await events(engine, account)
    assert [kind for kind, _ in emitted] == ["PaymentReceived", "PaymentApplied", "InvoicePaid"]
    received, applied = emitted[0][1], emitted[1][1]
    assert received["lead_id"] == str(jan.lead_id)  # in the journey of the invoice it paid
    assert received["amount"] == {"amount": "1200.00", "currency": "EUR"}
    assert applied["amount"] == {"amount": "1000.00", "currency": "EUR"}


async def test_a_payment_for_an_invoice_not_yet_issued_waits_for_that_invoice(
    uow: Any, engine: AsyncEngine
) -> None:
    account = uuid4()
    await issue(uow, invoice(account, "A-1", "500.00", date(2026, 3, 1)))
    await pay(uow, account, "300.00", "A-2")  # A-2 not issued yet: A-1 is not paid with it
    assert await books(uow, account) == (D("200.00"), D("300.00"), [("A-1", "open", D("500.00"))])

    await issue(uow, invoice(account, "A-3", "100.00", date(2026, 3, 2)))  # not paid with it
    assert (await books(uow, account))[2][1] == ("A-3", "open", D("100.00"))

    await issue(uow, invoice(account, "A-2", "300.00", date(2026, 3, 3)))
    # 500.00 + 100.00 + 300.00 − 300.00 = 600.00; A-2 paid by the payment that named it.
    assert await books(uow, account) == (
        D("600.00"),
        D("0.00"),
        [("A-1", "open", D("500.00")), ("A-2", "paid", D("0.00")), ("A-3", "open", D("100.00"))],
    )
    kinds = [kind for kind, _ in await events(engine, account)]
    assert kinds == ["PaymentReceived", "PaymentApplied", "InvoicePaid"]


@pytest.mark.parametrize("payment_first", [True, False], ids=["payment-first", "invoice-first"])
async def test_what_the_named_invoice_leaves_pays_the_other_open_ones_in_either_order(
    uow: Any, payment_first: bool
) -> None:
    account = uuid4()
    c = f"C{account.hex[:8]}-"  # invoice numbers are unique across accounts
    await issue(uow, invoice(account, f"{c}1", "500.00", date(2026, 3, 1)))
    await issue(uow, invoice(account, f"{c}0", "150.00", date(2026, 2, 1)))  # older
    named = invoice(account, f"{c}2", "300.00", date(2026, 3, 2))
    if payment_first:
        await pay(uow, account, "700.00", f"{c}2")
        await issue(uow, named)
    else:
        await issue(uow, named)
        await pay(uow, account, "700.00", f"{c}2")
    # C-2 first (300.00), then oldest first: C-0 150.00, C-1 250.00 of 500.00.
    # 500.00 + 150.00 + 300.00 − 700.00 = 250.00 owed, all of it on C-1.
    assert await books(uow, account) == (
        D("250.00"),
        D("0.00"),
        [
            (f"{c}0", "paid", D("0.00")),
            (f"{c}1", "open", D("250.00")),
            (f"{c}2", "paid", D("0.00")),
        ],
    )


async def test_an_early_payment_notified_twice_is_one_payment(uow: Any) -> None:
    account = uuid4()
    first = await pay(uow, account, "80.00", "B-1", ref=f"gw-{account}")
    again = await pay(uow, account, "80.00", "B-1", ref=f"gw-{account}")
    assert (again.duplicate, again.payment_id) == (True, first.payment_id)
    await issue(uow, invoice(account, "B-1", "80.00", date(2026, 3, 1)))
    assert await books(uow, account) == (D("0.00"), D("0.00"), [("B-1", "paid", D("0.00"))])


async def test_over_http_a_payment_of_an_account_without_invoices_is_refused(uow: Any) -> None:
    account = uuid4()
    with pytest.raises(NotFound):
        await pay(uow, account, "10.00", None, wait_for_invoice=False)
    assert await books(uow, account) == (D("0"), D("0"), [])
