"""Billing run: invoice N subscriptions (default 100,000) in one pass of billing-svc's job.

Seeds a dedicated database (l2c_bench_billing, dropped and recreated) with a fast COPY of
subscriptions whose second monthly period is due, then times `billing_pass` — the same batches
the periodic job runs (claim with SKIP LOCKED, draft, multi-row inserts of invoices, lines,
revenue schedules and InvoiceIssued outbox rows). The baseline copies the very same invoice and
line rows with raw asyncpg COPY into empty twins of the tables: the floor for writing them.

    uv run python bench/bench_billing_run.py [--subscriptions 100000] [--smoke]
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast
from uuid import uuid4

import asyncpg
from servicebench import PG, BenchArguments, migrated_database

from billing_svc.app import MIGRATIONS
from billing_svc.jobs import billing_pass
from l2c_runtime.clock import SystemClock
from l2c_runtime.db import create_engine, session_factory
from l2c_runtime.service import Runtime
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas.periods import add_months

DB = "l2c_bench_billing"


async def seed(conn: asyncpg.Connection, count: int) -> None:
    """`count` monthly subscriptions of 25 seats at 1102.50 whose period 1 is due today."""
    today = datetime.now(UTC).date()
    start = today - timedelta(days=40)
    now = datetime.now(UTC)
    subs, items = [], []
    for _ in range(count):
        sid = uuid4()
        subs.append(
            (
                sid,
                uuid4(),
                uuid4(),
                uuid4(),
                uuid4(),
                "Bench GmbH",
                "EUR",
                "month",
                start,
                add_months(start, 12) - timedelta(days=1),
                30,
                add_months(start, 1),
                1,
                "in_advance",
                "active",
                None,
                now,
            )
        )
        items.append(
            (
                sid,
                1,
                "PLAT-SEAT",
                "Platform seat",
                "recurring",
                Decimal(25),
                Decimal("49.00"),
                Decimal("122.50"),
                Decimal("1102.50"),
            )
        )
    await conn.copy_records_to_table(
        "subscriptions",
        records=subs,
        columns=[
            "id",
            "order_id",
            "contract_id",
            "lead_id",
            "account_id",
            "customer_name",
            "currency",
            "billing_period",
            "start_date",
            "end_date",
            "payment_terms_days",
            "next_period_start",
            "next_period_index",
            "billing_timing",
            "status",
            "traceparent",
            "activated_at",
        ],
    )
    await conn.copy_records_to_table(
        "subscription_items",
        records=items,
        columns=[
            "subscription_id",
            "line_no",
            "product_code",
            "description",
            "charge",
            "quantity",
            "unit_price",
            "discount_amount",
            "net_amount",
        ],
    )
    await conn.execute("ANALYZE")


async def baseline(conn: asyncpg.Connection) -> float:
    """Seconds to COPY the same invoice and line rows into empty twins of the tables."""
    await conn.execute("CREATE TABLE invoices_twin (LIKE invoices INCLUDING ALL)")
    await conn.execute("CREATE TABLE invoice_lines_twin (LIKE invoice_lines INCLUDING ALL)")
    invoices = [tuple(r) for r in await conn.fetch("SELECT * FROM invoices")]
    lines = [tuple(r) for r in await conn.fetch("SELECT * FROM invoice_lines")]
    began = time.perf_counter()
    async with conn.transaction():
        await conn.copy_records_to_table("invoices_twin", records=invoices)
        await conn.copy_records_to_table("invoice_lines_twin", records=lines)
    return time.perf_counter() - began


async def main(count: int) -> None:
    url = await migrated_database(DB, MIGRATIONS)
    conn = await asyncpg.connect(f"{PG}/{DB}")
    try:
        await seed(conn, count)
        engine = create_engine(url, 2)
        runtime = SimpleNamespace(
            unit_of_work=unit_of_work_factory(session_factory(engine), SystemClock(), "/bench")
        )
        began = time.perf_counter()
        issued = await billing_pass(cast(Runtime, runtime))
        seconds = time.perf_counter() - began
        await engine.dispose()
        assert issued == count, f"issued {issued} invoices for {count} subscriptions"
        events = await conn.fetchval("SELECT count(*) FROM outbox")
        total: Any = await conn.fetchval("SELECT sum(total) FROM invoices")
        assert events == count and total == Decimal("1102.50") * count
        print(f"BENCH billing_run.seconds {seconds:.1f} s")
        print(f"BENCH billing_run.invoices_per_second {count / seconds:.0f} invoices/s")
        print(f"BENCH billing_run.baseline {await baseline(conn):.1f} s")
    finally:
        await conn.close()


def arguments() -> BenchArguments:
    command = BenchArguments(__doc__)
    command.size("--subscriptions", 100_000, 200)
    return command


if __name__ == "__main__":
    asyncio.run(main(arguments().parse().subscriptions))
