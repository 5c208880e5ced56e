"""Usage ingestion: N UsageRecorded events (default 150,000) through l2c.usage.v1 into a running
billing-svc, idempotent, against the raw consume rate of the same records.

The run prepares a fresh database (l2c_bench_usage) with 100 active monthly subscriptions and a
consumer group positioned at the end of the topics billing-svc reads (earlier records are not
its work), produces N usage events spread over the subscriptions (a backlog, so that the
producer does not take CPU from the service), then starts billing-svc: `--replicas` OS
processes (default 2, one per core of the target machine) in one consumer group, each taking
its share of the topic's 6 partitions, as a deployment scales out. `events_per_second` is the
steady rate: the middle 80 % of the events divided by the time between the usage rows at the
10th and the 90th percentile of `received_at` (start-up and the consumer group's rebalance
as the replicas join are left out); `first_to_last` divides the events stored after the
first transaction by the time from the first to the last row, start-up included; and the
replicas' CPU time from the first row to the last, per event.
Then it publishes the first 1,000 records again (same CloudEvents ids: a redelivery) and
1,000 new events carrying already-stored usage event ids (a source re-sending with new
envelopes), waits until billing-svc's group has committed past them all, and checks that the
number of usage rows did not change. Beside it: the raw aiokafka consume rate of the very
same records (fetching and JSON parsing, no group).

    uv run python bench/bench_usage_ingest.py [--events 150000] [--replicas 2] [--smoke]

Prints `BENCH usage_ingest.events_per_second <n> events/s`, `BENCH usage_ingest.first_to_last
<n> events/s`, `BENCH usage_ingest.service_cpu_per_event <µs> us` and
`BENCH usage_ingest.baseline <n> events/s`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import asyncpg
from aiokafka.structs import ConsumerRecord
from servicebench import (
    PG,
    BenchArguments,
    ServiceUnderTest,
    end_offsets,
    group_caught_up,
    kafka_producer,
    migrated_database,
    position_group_at_end,
    raw_consume_rate,
    wait_for_rows,
)

from billing_svc.app import MIGRATIONS
from billing_svc.app import definition as billing_svc
from l2c_schemas.billing import UsageRecorded
from l2c_schemas.envelope import encode
from l2c_schemas.periods import add_months
from l2c_schemas.topics import USAGE

DB = "l2c_bench_usage"
PORT = 18195
SUBSCRIPTIONS = 100
REPLAYED = 1_000
TIMEOUT_SECONDS = 600
Record = tuple[bytes | None, bytes, list[tuple[str, bytes]]]


async def seed_subscriptions(conn: asyncpg.Connection) -> list[Any]:
    """Active monthly subscriptions that started five days ago."""
    start = datetime.now(UTC).date() - timedelta(days=5)
    rows = [
        (
            uuid4(),
            uuid4(),
            uuid4(),
            uuid4(),
            uuid4(),
            "Bench",
            "EUR",
            "month",
            start,
            add_months(start, 12) - timedelta(days=1),
            30,
            add_months(start, 1),
            1,
            "in_advance",
            "active",
            datetime.now(UTC),
        )
        for _ in range(SUBSCRIPTIONS)
    ]
    await conn.copy_records_to_table(
        "subscriptions",
        records=rows,
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
            "activated_at",
        ],
    )
    return [r[0] for r in rows]


def usage_records(run: str, count: int, subscription_ids: list[Any]) -> list[Record]:
    now = datetime.now(UTC)
    records = []
    for n in range(count):
        event = UsageRecorded(
            event_id=f"bench-{run}-{n}",
            subscription_id=subscription_ids[n % len(subscription_ids)],
            metric="api_calls",
            quantity=Decimal(n % 7 + 1),
            occurred_at=now,
        )
        record = encode(event, source="/bench/metering")
        records.append((record.key, record.value, record.headers))
    return records


def resent(records: list[Record]) -> list[Record]:
    """The same usage events in new envelopes (new CloudEvents ids)."""
    again = []
    for _, value, _ in records:
        record = encode(UsageRecorded.model_validate_json(value), source="/bench/metering")
        again.append((record.key, record.value, record.headers))
    return again


async def produce(records: list[Record]) -> None:
    producer = kafka_producer(acks="all", linger_ms=5)
    await producer.start()
    try:
        sends = [
            await producer.send(USAGE, value, key=key, headers=headers)
            for key, value, headers in records
        ]
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def stored_usage(conn: asyncpg.Connection) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM usage_events")
    return count


async def all_stored(conn: asyncpg.Connection, count: int) -> None:
    await wait_for_rows(conn, "usage_events", count, "SELECT count(*) FROM usage_events")


async def first_stored(conn: asyncpg.Connection, replicas: list[ServiceUnderTest]) -> int:
    """How many usage rows the first transaction stored."""
    deadline = time.monotonic() + 120
    while True:
        stored = await stored_usage(conn)
        if stored:
            return stored
        stopped = [r for r in replicas if r.process.poll() is not None]
        if stopped or time.monotonic() > deadline:
            raise RuntimeError(f"billing-svc stored nothing; see {replicas[0].log}")
        await asyncio.sleep(0.01)


async def main(count: int, replica_count: int) -> None:
    run = uuid.uuid4().hex[:10]
    group = f"billing-svc-bench-usage-{run}"
    await migrated_database(DB, MIGRATIONS)
    conn = await asyncpg.connect(f"{PG}/{DB}")
    try:
        subscription_ids = await seed_subscriptions(conn)
        start = await position_group_at_end(group, billing_svc)
        start = {tp: offset for tp, offset in start.items() if tp.topic == USAGE}
        records = usage_records(run, count, subscription_ids)
        began = time.perf_counter()
        await produce(records)  # a backlog: producing does not take CPU from the service
        print(f"# produced {count} in {time.perf_counter() - began:.2f}s")
        replicas = [
            ServiceUnderTest("billing_svc", DB, PORT + n, group) for n in range(replica_count)
        ]
        try:
            first = await first_stored(conn, replicas)
            cpu_before = sum(r.cpu_seconds() for r in replicas)
            await all_stored(conn, count)
            cpu = sum(r.cpu_seconds() for r in replicas) - cpu_before
            window = await conn.fetchval(
                "SELECT extract(epoch FROM max(received_at) - min(received_at)) FROM usage_events"
            )
            overall = (count - first) / float(window)
            middle = await conn.fetchval(
                "SELECT extract(epoch FROM percentile_disc(0.9) WITHIN GROUP (ORDER BY received_at)"
                " - percentile_disc(0.1) WITHIN GROUP (ORDER BY received_at)) FROM usage_events"
            )
            steady = 0.8 * count / float(middle)
            print(f"# {count - first} events after the first transaction in {window:.2f}s")
            print(f"BENCH usage_ingest.events_per_second {steady:.0f} events/s")
            print(f"BENCH usage_ingest.first_to_last {overall:.0f} events/s")
            print(f"BENCH usage_ingest.service_cpu_per_event {cpu / (count - first) * 1e6:.0f} us")

            replayed = min(REPLAYED, count // 2)
            await produce(records[:replayed] + resent(records[replayed : 2 * replayed]))
            ends = await end_offsets([USAGE])
            deadline = time.monotonic() + TIMEOUT_SECONDS
            while not await group_caught_up(group, ends):
                if time.monotonic() > deadline:
                    raise TimeoutError("billing-svc did not consume the replays in time")
                await asyncio.sleep(0.2)
            after = await stored_usage(conn)
            print(f"# after {2 * replayed} replayed/re-sent events: {after} usage rows")
            if after != count:
                raise SystemExit(f"not idempotent: {after} usage rows for {count} events")
        finally:
            for replica in replicas:
                replica.stop()
    finally:
        await conn.close()
    marker = f"bench-{run}-".encode()

    def ours(record: ConsumerRecord) -> bool:
        return marker in json.loads(record.value or b"{}").get("event_id", "").encode()

    baseline = await raw_consume_rate(start, count, ours)
    print(f"BENCH usage_ingest.baseline {baseline:.0f} events/s")


def arguments() -> BenchArguments:
    command = BenchArguments(__doc__)
    command.size("--events", 150_000, 3_000)
    command.size("--replicas", 2, 2, "billing-svc processes in one consumer group")
    return command


if __name__ == "__main__":
    parsed = arguments().parse()
    asyncio.run(main(parsed.events, parsed.replicas))
    sys.exit(0)
