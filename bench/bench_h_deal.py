"""Forecast: the weighted pipeline of N open and won deals (default 50,000) for a quarter,
grouped by owner — first as the pure domain function alone, then as GET /forecast runs it
(the period's deals read from PostgreSQL, then totalled). Also one filtered page of deals.

Seeds a dedicated database (l2c_bench_deal, dropped and recreated) with a COPY of deals spread
over eight quarters, 40 owners and the default pipeline's open stages.

    uv run python bench/bench_h_deal.py [--deals 50000] [--smoke]
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import asyncpg
from servicebench import BenchArguments, migrated_database

from deal_svc.adapters.queries import OpportunityFilter, forecast_deals, list_opportunities
from deal_svc.app import MIGRATIONS
from deal_svc.domain.forecast import ForecastDeal, forecast, parse_period
from deal_svc.domain.pipeline import DEFAULT_PIPELINE
from l2c_runtime.clock import SystemClock
from l2c_runtime.db import create_engine, session_factory
from l2c_runtime.unit_of_work import unit_of_work_factory

DB = "l2c_bench_deal"
PERIOD = parse_period("2027-Q2")
FIRST_DAY = date(2026, 7, 1)  # eight quarters: 2026-Q3 … 2028-Q2


def deal_rows(count: int, rng: random.Random) -> tuple[list[tuple[Any, ...]], list[object]]:
    now = datetime.now(UTC)
    account_id, lead_id = uuid4(), uuid4()
    stages = [s for s in DEFAULT_PIPELINE.stages if s.outcome != "lost"]
    rows = []
    for n in range(count):
        stage = rng.choice(stages)
        close = FIRST_DAY + timedelta(days=rng.randrange(730))
        won = stage.outcome == "won"
        rows.append(
            (
                uuid4(),
                uuid4(),  # one lead per new-business deal
                account_id,
                f"deal {n}",
                "new_business" if n % 5 else "expansion",
                stage.name,
                stage.probability,
                Decimal(rng.randrange(10_000, 10_000_000)) / 100,
                "EUR",
                "won" if won else "open",
                now,
                datetime.combine(close, datetime.min.time(), UTC) if won else None,
                "default",
                stage.forecast_category,
                None if won else close,
                f"owner-{n % 40}",
            )
        )
    return rows, [account_id, "Bench Co", lead_id, now]


async def seed(url: str, count: int) -> None:
    rows, account = deal_rows(count, random.Random(7))
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await conn.execute(
            "INSERT INTO accounts (id, name, lead_id, created_at) VALUES ($1, $2, $3, $4)",
            *account,
        )
        await conn.copy_records_to_table(
            "opportunities",
            records=rows,
            columns=[
                "id",
                "lead_id",
                "account_id",
                "name",
                "kind",
                "stage",
                "probability",
                "amount",
                "currency",
                "status",
                "opened_at",
                "closed_at",
                "pipeline",
                "forecast_category",
                "expected_close_date",
                "owner",
            ],
        )
        await conn.execute("ANALYZE opportunities")
    finally:
        await conn.close()


def best_of(times: list[float]) -> float:
    return min(times)


async def main(count: int) -> None:
    url = await migrated_database(DB, MIGRATIONS)
    await seed(url, count)
    engine = create_engine(url)
    uow = unit_of_work_factory(session_factory(engine), SystemClock(), "/bench")
    try:
        async with uow() as u:
            deals = await forecast_deals(u, PERIOD)
        pure: list[float] = []
        for _ in range(5):
            started = time.perf_counter()
            forecast(deals, PERIOD, "owner")
            pure.append(time.perf_counter() - started)
        everything = [
            ForecastDeal(d.amount, d.currency, d.probability, d.category, d.close_date, d.is_open)
            for d in deals
        ] * max(1, count // max(1, len(deals)))
        started = time.perf_counter()
        forecast(everything, PERIOD, "stage")
        pure_all = time.perf_counter() - started

        with_db: list[float] = []
        for _ in range(5):
            started = time.perf_counter()
            async with uow() as u:
                found = await forecast_deals(u, PERIOD)
            forecast(found, PERIOD, "owner")
            with_db.append(time.perf_counter() - started)

        pages: list[float] = []
        where = OpportunityFilter(owner="owner-7", status="open", closing_from=PERIOD.first_day)
        for _ in range(5):
            started = time.perf_counter()
            async with uow() as u:
                await list_opportunities(u, where, limit=100, offset=100)
            pages.append(time.perf_counter() - started)
    finally:
        await engine.dispose()

    print(f"BENCH deal_forecast.deals_in_quarter {len(deals)} deals")
    print(f"BENCH deal_forecast.pure {len(everything) / pure_all:.0f} deals/s")
    print(f"BENCH deal_forecast.pure_quarter_ms {best_of(pure) * 1000:.1f} ms")
    print(f"BENCH deal_forecast.quarter_of_{count}_ms {best_of(with_db) * 1000:.1f} ms")
    print(f"BENCH deal_list.filtered_page_of_{count}_ms {best_of(pages) * 1000:.1f} ms")


def arguments() -> BenchArguments:
    command = BenchArguments(__doc__)
    command.size("--deals", 50_000, 800)
    return command


if __name__ == "__main__":
    asyncio.run(main(arguments().parse().deals))
