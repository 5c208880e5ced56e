"""ar-svc: cash application and dunning throughput on a scratch database.

Opens N receivables (default 2,000) on N accounts through `open_receivable`, then times
`record_payment` for one payment per account (8 at a time: insert, lock the account, load
its subledger, apply, postings, PaymentReceived/PaymentApplied/InvoicePaid outbox rows),
and beside it a raw asyncpg COPY of the same number of posting rows (the floor for writing
them). Finally times one dunning pass over N other invoices, all 31 days past due (overdue,
final notice, delinquency each).

    uv run python bench/bench_h_ar.py [--invoices 2000] [--smoke]
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import asyncpg
from servicebench import PG, BenchArguments, migrated_database

from ar_svc.app import MIGRATIONS
from ar_svc.domain.dunning import DEFAULT_POLICY
from ar_svc.handlers import receivables as handlers
from ar_svc.handlers.dunning import dun_due_invoices
from l2c_runtime.clock import SystemClock
from l2c_runtime.db import create_engine, session_factory
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas import InvoiceIssued, Money

DB = "l2c_bench_h_ar"
CONCURRENCY = 8


def invoice(due: date) -> InvoiceIssued:
    invoice_id = uuid4()
    return InvoiceIssued(
        lead_id=uuid4(),
        account_id=uuid4(),
        invoice_id=invoice_id,
        invoice_number=f"B-{invoice_id.hex}",
        subscription_id=uuid4(),
        customer_name="Bench",
        currency="EUR",
        issue_date=due - timedelta(days=30),
        due_date=due,
        period_start=due - timedelta(days=30),
        period_end=due,
        lines=[],
        subtotal=Money.of("2602.50", "EUR"),
        tax_total=Money.zero("EUR"),
        total=Money.of("2602.50", "EUR"),
        issued_at=datetime.now(UTC),
    )


async def in_parallel(jobs: list[Any]) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def run(job: Any) -> None:
        async with gate:
            await job

    await asyncio.gather(*(run(j) for j in jobs))


async def main(count: int) -> None:
    url = await migrated_database(DB, MIGRATIONS)
    engine = create_engine(url, pool_size=CONCURRENCY)
    uow = unit_of_work_factory(session_factory(engine), SystemClock(), "/bench/ar")
    today = datetime.now(UTC).date()

    async def open_one(event: InvoiceIssued) -> None:
        async with uow() as u:
            await handlers.open_receivable(event, u)

    async def pay(event: InvoiceIssued) -> None:
        async with uow() as u:
            await handlers.record_payment(
                handlers.PaymentCommand(
                    external_reference=f"bench-{event.invoice_id}",
                    account_id=event.account_id,
                    amount=event.total,
                    method="bank_transfer",
                    invoice_number=None,  # matched by exact amount
                    received_at=datetime.now(UTC),
                ),
                u,
            )

    to_pay = [invoice(today + timedelta(days=30)) for _ in range(count)]
    await in_parallel([open_one(e) for e in to_pay])
    started = time.perf_counter()
    await in_parallel([pay(e) for e in to_pay])
    elapsed = time.perf_counter() - started
    print(f"BENCH ar_cash_application {count / elapsed:.0f} payments/s")

    conn = await asyncpg.connect(f"{PG}/{DB}")
    await conn.execute("CREATE TEMP TABLE twin (LIKE postings INCLUDING DEFAULTS)")
    now = datetime.now(UTC)
    rows = [
        (i, e.account_id, None, None, None, None, "payment", Decimal("-2602.50"), "EUR", now)
        for i, e in enumerate(to_pay)
    ]
    columns = [
        "id",
        "account_id",
        "invoice_id",
        "payment_id",
        "credit_note_id",
        "application_id",
        "kind",
        "amount",
        "currency",
        "posted_at",
    ]
    started = time.perf_counter()
    await conn.copy_records_to_table("twin", records=rows, columns=columns)
    baseline = time.perf_counter() - started
    await conn.close()
    print(f"BENCH ar_cash_application.baseline {count / baseline:.0f} posting_rows/s")

    overdue = [invoice(today - timedelta(days=31)) for _ in range(count)]
    await in_parallel([open_one(e) for e in overdue])
    started = time.perf_counter()
    handled = 0
    while True:
        done = await dun_due_invoices(uow, DEFAULT_POLICY)
        handled += done
        if done == 0:
            break
    elapsed = time.perf_counter() - started
    assert handled == count, f"dunned {handled} of {count}"
    print(f"BENCH ar_dunning_pass {count / elapsed:.0f} invoices/s")
    await engine.dispose()


def arguments() -> BenchArguments:
    command = BenchArguments(__doc__)
    command.size("--invoices", 2_000, 40)
    return command


if __name__ == "__main__":
    asyncio.run(main(arguments().parse().invoices))
