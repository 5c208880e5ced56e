"""Usage ingestion into billing-svc: events/s, idempotent, against the raw consume rate.

Publishes N UsageRecorded CloudEvents to a bench topic (bench.h-billing.usage.v1, so no real
service's consumer group sees them), then reads them twice:
- baseline: a raw aiokafka consumer, records fetched and nothing else;
- billing-svc: the same records through the runtime's EventProcessor with billing-svc's
  handlers on a dedicated database (l2c_bench_usage): CloudEvents attributes parsed, body
  validated, inbox row + usage row committed — one transaction per record
  (one_per_transaction), and one per poll of 200 records as the running service does
  (events_per_second);
- batched: what a batch-capable runtime would give: billing-svc's batch path
  (metering.record_usage_batch), inbox and usage rows of 500 records per transaction.
Every event is then replayed once: the count must not change (idempotent by event id).

    uv run python bench/bench_usage_ingest.py [--events 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from billing_svc.app import MIGRATIONS
from billing_svc.consumers import subscriptions
from billing_svc.metering import ReceivedUsage, record_usage_batch
from l2c_platform.kafka_io import partitions_of
from l2c_runtime.clock import SystemClock
from l2c_runtime.consumer import ConsumedRecord, EventProcessor
from l2c_runtime.db import create_engine, session_factory
from l2c_runtime.migrations import upgrade_to_head
from l2c_runtime.topics import ensure_topics
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas.billing import UsageRecorded
from l2c_schemas.envelope import decode_as, encode, read_attributes
from l2c_schemas.periods import add_months

PG = os.environ.get("L2C_PG_URL", "postgresql://l2c:l2c@127.0.0.1:5432")
KAFKA = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
DB = "l2c_bench_usage"
TOPIC = "bench.h-billing.usage.v1"
SUBSCRIPTIONS = 100


async def recreate_database() -> str:
    admin = await asyncpg.connect(f"{PG}/postgres")
    await admin.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    await admin.execute(f"CREATE DATABASE {DB}")
    await admin.close()
    url = f"{PG.replace('postgresql://', 'postgresql+asyncpg://')}/{DB}"
    await asyncio.to_thread(upgrade_to_head, MIGRATIONS, url)
    return url


async def seed_subscriptions(conn: asyncpg.Connection) -> list[Any]:
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


async def publish(count: int, subscription_ids: list[Any]) -> None:
    await ensure_topics(KAFKA, [TOPIC], partitions=6)
    producer = AIOKafkaProducer(bootstrap_servers=KAFKA, acks="all", linger_ms=20)
    await producer.start()
    try:
        now = datetime.now(UTC)
        futures = []
        for n in range(count):
            event = UsageRecorded(
                event_id=f"bench-{uuid4().hex}",
                subscription_id=subscription_ids[n % len(subscription_ids)],
                metric="api_calls",
                quantity=Decimal(n % 7 + 1),
                occurred_at=now,
            )
            record = encode(event, source="/bench")
            futures.append(
                await producer.send(TOPIC, record.value, key=record.key, headers=record.headers)
            )
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def read_all(count_from_end: int) -> list[ConsumedRecord]:
    """The newest `count_from_end` records of the topic, as the runtime sees them."""
    consumer = AIOKafkaConsumer(bootstrap_servers=KAFKA, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = [TopicPartition(TOPIC, p) for p in await partitions_of(KAFKA, TOPIC)]
        consumer.assign(parts)
        ends = await consumer.end_offsets(parts)
        begins = await consumer.beginning_offsets(parts)
        for tp in parts:
            consumer.seek(tp, begins[tp])
        records: list[ConsumedRecord] = []
        want = sum(ends[tp] - begins[tp] for tp in parts)
        while len(records) < want:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for tp, items in batch.items():
                records += [
                    ConsumedRecord(
                        tp.topic, tp.partition, r.offset, r.key, r.value, list(r.headers)
                    )
                    for r in items
                ]
        return records[-count_from_end:] if count_from_end else records
    finally:
        await consumer.stop()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    count = parser.parse_args().events
    url = await recreate_database()
    conn = await asyncpg.connect(f"{PG}/{DB}")
    subscription_ids = await seed_subscriptions(conn)
    await ensure_topics(KAFKA, [TOPIC], partitions=6)
    # Start from an empty topic of our own: delete old records by recreating is not needed,
    # the bench reads the whole topic, so it keeps at most a few runs (retention does the rest).
    await publish(count, subscription_ids)

    began = time.perf_counter()
    records = await read_all(0)
    raw_rate = len(records) / (time.perf_counter() - began)
    records = [r for r in records if _ours(r, subscription_ids)]

    engine = create_engine(url, 2)
    uow = unit_of_work_factory(session_factory(engine), SystemClock(), "/bench")

    async def dead_letter(record: ConsumedRecord, kind: str, reason: str) -> None:
        raise RuntimeError(f"dead letter {kind}: {reason}")

    processor = EventProcessor("billing-svc-bench", subscriptions, uow, dead_letter)
    third = len(records) // 3
    began = time.perf_counter()
    for record in records[:third]:
        await processor.process(record)
    per_record_rate = third / (time.perf_counter() - began)

    # What the running service does: the records of one poll (L2C_CONSUME_BATCH_SIZE, 200)
    # share one transaction, the handler still called per record.
    polled = records[third : 2 * third]
    began = time.perf_counter()
    for start in range(0, len(polled), 200):
        await processor.process_batch(polled[start : start + 200])
    per_poll_rate = len(polled) / (time.perf_counter() - began)

    began = time.perf_counter()
    await _batched(uow, records[2 * third :], 500)
    batched_rate = (len(records) - 2 * third) / (time.perf_counter() - began)

    for record in records[:200]:  # replays change nothing, on either path
        await processor.process(record)
    await _batched(uow, records[:1000], 500)
    stored = await conn.fetchval("SELECT count(*) FROM usage_events")
    assert stored == len(records), f"{stored} usage rows for {len(records)} events"
    await engine.dispose()
    await conn.close()
    print(f"BENCH usage_ingest.one_per_transaction {per_record_rate:.0f} events/s")
    print(f"BENCH usage_ingest.events_per_second {per_poll_rate:.0f} events/s")
    print(f"BENCH usage_ingest.batched_500 {batched_rate:.0f} events/s")
    print(f"BENCH usage_ingest.baseline {raw_rate:.0f} events/s")


def _ours(record: ConsumedRecord, ids: list[Any]) -> bool:
    """Records of this run (the bench topic keeps earlier runs' records too)."""
    event = decode_as(UsageRecorded, record.value or b"")
    return event.subscription_id in set(ids)


async def _batched(uow: Any, records: list[ConsumedRecord], size: int) -> None:
    """billing-svc's batch path (metering.record_usage_batch): inbox rows and usage rows of
    `size` records in one transaction and a few statements."""
    for start in range(0, len(records), size):
        batch = []
        for record in records[start : start + size]:
            attributes = read_attributes(record.headers)
            batch.append(
                ReceivedUsage(
                    attributes.id,
                    record.topic,
                    record.partition,
                    record.offset,
                    decode_as(UsageRecorded, record.value or b""),
                )
            )
        async with uow() as unit:
            rejected = await record_usage_batch("billing-svc-bench", batch, unit)
        assert not rejected, rejected


if __name__ == "__main__":
    asyncio.run(main())
