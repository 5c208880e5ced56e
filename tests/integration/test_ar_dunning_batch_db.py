"""The batched dunning pass on a real PostgreSQL: an invoice whose account a payment is
changing (its lock held) is passed over until the next pass, the others of the batch are
dunned; an account with several overdue invoices in one batch becomes delinquent once, with
the overdue balance of all of them (hand-computed)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from ar_svc.adapters.ledger_store import lock_account
from ar_svc.app import MIGRATIONS
from ar_svc.domain.dunning import DEFAULT_POLICY
from ar_svc.handlers import receivables as handlers
from ar_svc.handlers.dunning import dun_due_invoices
from l2c_platform.factories import invoice_issued
from l2c_platform.launcher import Infrastructure
from l2c_platform.testing import FixedClock, migrated_database
from l2c_runtime.db import session_factory
from l2c_runtime.messaging_tables import outbox
from l2c_runtime.unit_of_work import unit_of_work_factory

pytestmark = pytest.mark.integration
# 31 days after the invoices' due date (issued 2026-10-01, due in 30 days: 2026-10-31).
TODAY = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.fixture
async def engine(infra: Infrastructure) -> AsyncIterator[AsyncEngine]:
    async with migrated_database("l2c_test_ar_dunning_batch", MIGRATIONS, 4) as engine:
        yield engine


@pytest.fixture
def uow(engine: AsyncEngine) -> Callable[[], Any]:
    return unit_of_work_factory(session_factory(engine), FixedClock(TODAY), "/test/ar")


async def events(uow: Any, ce_type: str) -> list[dict[str, Any]]:
    async with uow() as u:
        rows = await u.session.execute(
            sa.select(outbox.c.payload).where(outbox.c.ce_type == f"l2c.ar.{ce_type}.v1")
        )
        return [json.loads(r.payload) for r in rows]


async def test_a_busy_account_waits_for_the_next_pass_and_delinquency_comes_once(
    uow: Any,
) -> None:
    busy, several = uuid4(), uuid4()
    for account, total in ((busy, "100.00"), (several, "250.00"), (several, "40.50")):
        async with uow() as u:
            await handlers.open_receivable(invoice_issued(account, total, date(2026, 10, 1)), u)

    async with uow() as holder:
        await lock_account(holder, busy)  # a payment of `busy` is being applied
        assert await dun_due_invoices(uow, DEFAULT_POLICY) == 2
    assert [e["account_id"] for e in await events(uow, "InvoiceOverdue")] == [str(several)] * 2
    # One AccountDelinquent for two final notices: 250.00 + 40.50 overdue.
    delinquent = await events(uow, "AccountDelinquent")
    assert [(e["account_id"], e["overdue_balance"]["amount"]) for e in delinquent] == [
        (str(several), "290.50")
    ]

    assert await dun_due_invoices(uow, DEFAULT_POLICY) == 1  # the lock is gone
    notices = await events(uow, "DunningNoticeSent")
    assert sorted((e["account_id"], e["step"], e["final"]) for e in notices) == sorted(
        [(str(several), 4, True)] * 2 + [(str(busy), 4, True)]
    )
    assert await dun_due_invoices(uow, DEFAULT_POLICY) == 0  # nothing left today
