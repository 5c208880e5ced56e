"""Retention: how fast sent outbox rows and old inbox rows are pruned (in bounded batches, one
short transaction each, as every service's retention job does), on lead-svc's schema.

At 8,000 events/s a service writes 8,000 outbox rows a second, and its consumers as many
inbox rows: retention has to delete at least that fast to keep up. N sent outbox rows and N
inbox rows past their retention are written (with COPY), beside rows that must stay (recent,
pending, parked), then pruned until none is left.

    uv run python bench/bench_outbox_prune.py [--rows N] [--batch-rows B] [--smoke]

`--smoke`: 2,000 rows, to check the script runs.
Prints `BENCH outbox_prune_rows_per_s <n> rows/s` and `BENCH inbox_prune_rows_per_s <n> rows/s`.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
from servicebench import PG, BenchArguments, drop_database, migrated_database

from l2c_runtime.db import create_engine
from l2c_runtime.housekeeping import Retention, prune
from lead_svc.app import MIGRATIONS

DB = "l2c_bench_prune"
NOW = datetime.now(UTC)
PAYLOAD = (
    b'{"lead_id": "' + b"0" * 36 + b'", "company": "Analytical Engines Ltd"' + b" " * 200 + b"}"
)
HEADERS = '[["ce_type", "l2c.lead.LeadCaptured.v1"], ["ce_source", "/l2c/lead-svc"]]'
KEPT = 1000
"""Rows of each kind that must stay: recent sent rows, pending and parked ones."""


def _outbox_rows(count: int, state: str, age: timedelta) -> list[tuple[object, ...]]:
    at = NOW - age
    published = at if state == "sent" else None
    return [
        (uuid4(), "l2c.lead.events.v1", str(uuid4()), "l2c.lead.LeadCaptured.v1", HEADERS,
         PAYLOAD, None, at, published, 1, state)
        for _ in range(count)
    ]  # fmt: skip


async def fill(rows: int) -> None:
    conn = await asyncpg.connect(f"{PG}/{DB}")
    try:
        columns = [
            "event_id", "topic", "message_key", "ce_type", "headers", "payload",
            "traceparent", "created_at", "published_at", "attempts", "state",
        ]  # fmt: skip
        for start in range(0, rows, 100_000):
            chunk = min(100_000, rows - start)
            old = _outbox_rows(chunk, "sent", timedelta(days=8))
            await conn.copy_records_to_table("outbox", columns=columns, records=old)
            inbox = [
                ("lead-svc", str(uuid4()), "l2c.lead.intake.LeadSubmitted.v1",
                 "l2c.lead.intake.v1", n % 6, start + n, NOW - timedelta(days=31))
                for n in range(chunk)
            ]  # fmt: skip
            await conn.copy_records_to_table("inbox", records=inbox)
        for state, age in (("sent", timedelta(days=1)), ("pending", timedelta(days=9))):
            kept = _outbox_rows(KEPT, state, age)
            await conn.copy_records_to_table("outbox", columns=columns, records=kept)
        parked = _outbox_rows(KEPT, "parked", timedelta(days=9))
        await conn.copy_records_to_table("outbox", columns=columns, records=parked)
        await conn.execute("ANALYZE outbox; ANALYZE inbox")
    finally:
        await conn.close()


async def main(rows: int, batch_rows: int) -> None:
    url = await migrated_database(DB, MIGRATIONS)
    began = time.perf_counter()
    await fill(rows)
    print(f"# {rows} outbox and {rows} inbox rows written in {time.perf_counter() - began:.1f}s")
    engine = create_engine(url, 2)
    try:
        retention = Retention(batch_rows=batch_rows)
        # the job's own order: the outbox first, then the inbox; timed apart
        began = time.perf_counter()
        outbox_only = Retention(
            outbox=retention.outbox, inbox=timedelta(days=3650), batch_rows=batch_rows
        )
        pruned_outbox = await prune(engine, NOW, outbox_only)
        outbox_seconds = time.perf_counter() - began
        began = time.perf_counter()
        pruned = await prune(engine, NOW, retention)
        inbox_seconds = time.perf_counter() - began
        async with engine.connect() as conn:
            left = (await conn.exec_driver_sql("SELECT count(*) FROM outbox")).scalar_one()
    finally:
        await engine.dispose()
        await drop_database(DB)
    if (pruned_outbox.outbox_rows, pruned.inbox_rows, left) != (rows, rows, 3 * KEPT):
        raise SystemExit(f"pruned {pruned_outbox} then {pruned}, {left} outbox rows left")
    print(f"# batches of {batch_rows}: {rows} outbox rows in {outbox_seconds:.2f}s, "
          f"{rows} inbox rows in {inbox_seconds:.2f}s")  # fmt: skip
    print(f"BENCH outbox_prune_rows_per_s {rows / outbox_seconds:.0f} rows/s")
    print(f"BENCH inbox_prune_rows_per_s {rows / inbox_seconds:.0f} rows/s")


def arguments() -> BenchArguments:
    command = BenchArguments(__doc__)
    command.size("--rows", 500_000, 2_000, "sent outbox rows and inbox rows past retention")
    command.parser.add_argument(
        "--batch-rows", type=int, default=Retention().batch_rows, help="rows per delete"
    )
    return command


if __name__ == "__main__":
    parsed = arguments().parse()
    asyncio.run(main(parsed.rows, parsed.batch_rows))
