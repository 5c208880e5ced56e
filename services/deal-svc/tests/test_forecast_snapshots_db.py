"""Forecast snapshots on a real database: the daily job keeps the month's and the quarter's
forecast once a day, and the period's call is its first snapshot. Amounts by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from uuid import uuid4

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from deal_svc.adapters import queries
from deal_svc.adapters.tables import accounts, forecast_snapshots, opportunities
from deal_svc.app import MIGRATIONS
from deal_svc.domain.forecast import accuracy, parse_period
from deal_svc.jobs import take_snapshots
from l2c_platform.testing import FixedClock, migrated_database
from l2c_runtime.db import session_factory
from l2c_runtime.unit_of_work import unit_of_work_factory

pytestmark = pytest.mark.integration

DB = "l2c_deal_svc_forecast_snapshot_tests"
NOV_2 = datetime(2026, 11, 2, 9, tzinfo=UTC)


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    async with migrated_database(DB, MIGRATIONS) as engine:
        yield engine


async def _opportunity(engine: AsyncEngine, **values: object) -> None:
    account = uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(accounts).values(id=account, name="Acme", lead_id=uuid4(), created_at=NOV_2)
        )
        await conn.execute(
            sa.insert(opportunities).values(
                id=uuid4(),
                lead_id=uuid4(),
                account_id=account,
                name="deal",
                stage="proposal",
                currency="EUR",
                opened_at=NOV_2,
                owner="ana",
                lead_team="emea",
                **values,
            )
        )


async def test_the_daily_snapshot_is_taken_once_and_the_first_day_is_the_call(
    engine: AsyncEngine,
) -> None:
    clock = FixedClock(NOV_2)
    runtime = SimpleNamespace(
        clock=clock, unit_of_work=unit_of_work_factory(session_factory(engine), clock, "/test")
    )
    # open, committed: 1000.00 at 80 % closing 20 November
    await _opportunity(
        engine,
        amount=Decimal("1000.00"),
        probability=80,
        status="open",
        forecast_category="commit",
        expected_close_date=date(2026, 11, 20),
    )
    await take_snapshots(runtime)  # type: ignore[arg-type]
    await take_snapshots(runtime)  # type: ignore[arg-type]  # same day: nothing more

    # the next day a 500.00 best-case deal appears; the call of November stays that of day 2
    clock.moment = datetime(2026, 11, 3, 9, tzinfo=UTC)
    await _opportunity(
        engine,
        amount=Decimal("500.00"),
        probability=40,
        status="open",
        forecast_category="best_case",
        expected_close_date=date(2026, 11, 25),
    )
    await take_snapshots(runtime)  # type: ignore[arg-type]
    async with engine.connect() as conn:
        kept = (
            await conn.execute(
                sa.select(
                    forecast_snapshots.c.period,
                    forecast_snapshots.c.taken_on,
                    forecast_snapshots.c.best_case_forecast,
                ).order_by("period", "taken_on")
            )
        ).all()
    assert [tuple(row) for row in kept] == [
        ("2026-11", date(2026, 11, 2), Decimal("1000.00")),
        ("2026-11", date(2026, 11, 3), Decimal("1500.00")),
        ("2026-Q4", date(2026, 11, 2), Decimal("1000.00")),
        ("2026-Q4", date(2026, 11, 3), Decimal("1500.00")),
    ]

    # ana wins 1200.00 on 18 November: attainment 1200 / 1000 = 1.2000 against day 2's call
    await _opportunity(
        engine,
        amount=Decimal("1200.00"),
        probability=100,
        status="won",
        forecast_category="closed",
        closed_at=datetime(2026, 11, 18, 15, tzinfo=UTC),
    )
    november = parse_period("2026-11")
    async with runtime.unit_of_work() as uow:
        called_on, call = await queries.period_call(uow, november)
        deals = await queries.forecast_deals(uow, november)
    assert called_on == date(2026, 11, 2)
    assert {line.taken_on for line in call} == {date(2026, 11, 2)}
    [ana] = accuracy(call, deals, november, "team")
    assert (ana.key, ana.commit_forecast, ana.actual) == (
        "emea",
        Decimal("1000.00"),
        Decimal("1200.00"),
    )
    assert (ana.attainment, ana.error) == (Decimal("1.2000"), Decimal("0.2000"))


async def test_a_day_with_nothing_forecast_is_a_call_of_nothing(engine: AsyncEngine) -> None:
    """Nothing closes in December when its first snapshot is taken: December's call is that
    day, with no lines, even though a 900.00 commit deal is opened on the 10th."""
    clock = FixedClock(datetime(2026, 12, 1, 9, tzinfo=UTC))
    runtime = SimpleNamespace(
        clock=clock, unit_of_work=unit_of_work_factory(session_factory(engine), clock, "/test")
    )
    await take_snapshots(runtime)  # type: ignore[arg-type]
    await _opportunity(
        engine,
        amount=Decimal("900.00"),
        probability=90,
        status="open",
        forecast_category="commit",
        expected_close_date=date(2026, 12, 20),
    )
    clock.moment = datetime(2026, 12, 10, 9, tzinfo=UTC)
    await take_snapshots(runtime)  # type: ignore[arg-type]
    async with runtime.unit_of_work() as uow:
        called_on, call = await queries.period_call(uow, parse_period("2026-12"))
    assert (called_on, call) == (date(2026, 12, 1), [])
