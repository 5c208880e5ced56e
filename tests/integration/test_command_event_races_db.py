"""Where an HTTP command and an event handler change the same aggregate, the one that comes
second decides on what the first committed: each race below is reproduced on a real
PostgreSQL (the second transaction starts while the first holds its locks, uncommitted)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa

from ar_svc.app import MIGRATIONS as AR_MIGRATIONS
from ar_svc.handlers import receivables as ar
from deal_svc.adapters.tables import opportunities
from deal_svc.app import MIGRATIONS as DEAL_MIGRATIONS
from deal_svc.handlers import closing, opening
from deal_svc.handlers import opportunities as deal
from l2c_platform.factories import invoice_issued
from l2c_platform.journey import demo_quote_accepted
from l2c_platform.testing import FixedClock, empty_database, interleave
from l2c_runtime.db import create_engine, session_factory
from l2c_runtime.migrations import upgrade_to_head
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas import InvoiceIssued, LeadQualified, Money
from l2c_schemas.billing import CreditNoteIssued

pytestmark = pytest.mark.integration
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
D = Decimal


async def _migrated(name: str, migrations: Any) -> Callable[[], Any]:
    url = await empty_database(name)
    await asyncio.to_thread(upgrade_to_head, migrations, url)
    engine = create_engine(url, 4)
    return unit_of_work_factory(session_factory(engine), FixedClock(T0), "/test")


async def test_a_quote_accepted_while_sales_closes_the_deal_lost_leaves_it_as_closed() -> None:
    database = "l2c_test_race_deal"
    uow = await _migrated(database, DEAL_MIGRATIONS)
    async with uow() as u:
        opportunity_id = await opening.open_opportunity(
            LeadQualified(
                lead_id=uuid4(),
                company="Racing Ltd",
                contact_name="Ada",
                contact_email="ada@racing.example",
                source="web",
                score=80,
                qualified_at=T0,
            ),
            u,
        )
    accepted = demo_quote_accepted(T0).model_copy(update={"opportunity_id": opportunity_id})

    async def close_lost(u: Any) -> None:  # sales, over HTTP
        await closing.give_up(opportunity_id, "budget cut", "Acme", u)

    async def record_quote() -> None:  # the QuoteAccepted handler, meanwhile
        async with uow() as u:
            await deal.record_accepted_quote(accepted, u)

    await interleave(database, uow, close_lost, record_quote)

    async with uow() as u:
        row = (
            await u.session.execute(
                sa.select(opportunities).where(opportunities.c.id == opportunity_id)
            )
        ).one()
    assert (row.status, row.close_reason, row.competitor) == ("lost", "budget cut", "Acme")
    assert (row.quote_id, row.amount) == (None, None)  # as DealClosed(lost) announced it


def _invoice(account: Any, number: str, total: str) -> InvoiceIssued:
    return invoice_issued(account, total, date(2026, 3, 1), number=number, issued_at=T0)


async def test_an_unapply_while_a_credit_note_pays_the_invoice_reopens_it() -> None:
    database = "l2c_test_race_ar"
    uow = await _migrated(database, AR_MIGRATIONS)
    account = uuid4()
    jan = _invoice(account, "R-1", "100.00")
    async with uow() as u:
        await ar.open_receivable(jan, u)
    async with uow() as u:
        paid = await ar.record_payment(
            ar.PaymentCommand(
                external_reference=f"ext-{account}",
                account_id=account,
                amount=Money.of("60.00", "EUR"),
                method="bank_transfer",
                invoice_number="R-1",
                received_at=T0,
            ),
            u,
        )
    [application_id] = paid.application_ids
    credit = CreditNoteIssued(
        lead_id=jan.lead_id,
        account_id=account,
        credit_note_id=uuid4(),
        credit_note_number="CN-1",
        invoice_id=jan.invoice_id,
        currency="EUR",
        lines=[],
        subtotal=Money.of("40.00", "EUR"),
        tax_total=Money.zero("EUR"),
        total=Money.of("40.00", "EUR"),
        reason="goodwill",
        issued_at=T0,
    )

    async def credit_pays_the_rest(u: Any) -> None:  # the CreditNoteIssued handler
        await ar.issue_credit_note(credit, u)

    async def unapply_the_payment() -> None:  # finance, over HTTP, meanwhile
        async with uow() as u:
            await ar.unapply(application_id, u)

    await interleave(database, uow, credit_pays_the_rest, unapply_the_payment)

    async with uow() as u:
        state = await ar.account_balance(u, account)
    # 100.00 − 60.00 (payment) − 40.00 (credit) = 0.00 overall; with the 60.00 unapplied the
    # invoice owes 60.00 again, so it is open (and dunned), not paid.
    [invoice] = state["invoices"]
    assert (invoice["status"], invoice["balance"]) == ("open", D("60.00"))
    assert (state["balance"], state["unapplied_cash"]) == (D("0.00"), D("60.00"))
