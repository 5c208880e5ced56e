"""billing-svc's database tests: a fresh, migrated database per test, a clock set by hand,
and the steps a test takes (activate an order, run the billing, read the invoices)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from billing_svc.app import MIGRATIONS
from billing_svc.handlers import invoices as handlers
from billing_svc.handlers.billing_run import bill_subscriptions, claim_due
from l2c_platform.testing import FixedClock, migrated_database
from l2c_runtime.db import session_factory
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas import OrderPlaced

DB = "l2c_billing_svc_tests"


@dataclass
class Billing:
    clock: FixedClock
    unit_of_work: Callable[[], Any]

    async def activate(self, placed: OrderPlaced) -> UUID:
        async with self.unit_of_work() as uow:
            return await handlers.activate_subscription(placed, uow)

    async def run(self, grace_days: int = 1) -> int:
        """The billing run as the job makes it today: every invoice due, caught up."""
        issued = 0
        async with self.unit_of_work() as uow:
            cutoff = uow.clock.now().date() - timedelta(days=grace_days)
            while subs := await claim_due(uow, cutoff, 100):
                issued += len(await bill_subscriptions(uow, subs))
        return issued

    async def invoices(self, sid: UUID) -> list[dict[str, Any]]:
        async with self.unit_of_work() as uow:
            return await handlers.list_invoices(uow, subscription_id=sid)


@pytest.fixture
async def billing() -> AsyncIterator[Billing]:
    async with migrated_database(DB, MIGRATIONS) as engine:
        clock = FixedClock()
        yield Billing(clock, unit_of_work_factory(session_factory(engine), clock, "/test"))
