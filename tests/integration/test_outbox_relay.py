"""The outbox relay on a real PostgreSQL and Kafka: order per key, exactly one publication of
each row even with two relays racing, and a LISTEN/NOTIFY wake-up without polling."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError
from aiokafka.partitioner import murmur2
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from l2c_platform.journey import eventually
from l2c_platform.kafka_io import read_topic
from l2c_platform.launcher import Infrastructure
from l2c_platform.testing import messaging_database
from l2c_runtime.clock import SystemClock
from l2c_runtime.db import session_factory
from l2c_runtime.kafka_client import kafka_client_options
from l2c_runtime.messaging_tables import lease, outbox
from l2c_runtime.relay import BatchPublisher, OutboxRelay, OutgoingRecord, relay_producer
from l2c_runtime.topics import ensure_topics
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas import LeadDisqualified

pytestmark = pytest.mark.integration
DATABASE = "l2c_test_relay"


@pytest.fixture
async def engine(infra: Infrastructure) -> AsyncIterator[AsyncEngine]:
    async with messaging_database(DATABASE) as engine:
        yield engine


@pytest.fixture
async def scratch_topic(infra: Infrastructure) -> str:
    topic = f"l2c.test.relay.{uuid4().hex[:8]}"
    await ensure_topics(infra.kafka_bootstrap, [topic], partitions=3)
    return topic


@pytest.fixture
async def producer(infra: Infrastructure) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(
        **kafka_client_options(),
        bootstrap_servers=infra.kafka_bootstrap,
        enable_idempotence=True,
        acks="all",
    )
    await producer.start()
    yield producer
    await producer.stop()


def _relay(
    engine: AsyncEngine,
    infra: Infrastructure,
    producer: AIOKafkaProducer,
    topic: str,
    poll: float = 0.2,
) -> OutboxRelay:
    publish = BatchPublisher(producer)

    async def to_topic(records: Sequence[OutgoingRecord]) -> None:
        await publish([record._replace(topic=topic) for record in records])

    dsn = f"{infra.pg_url}/{DATABASE}"
    return OutboxRelay(engine, dsn, to_topic, SystemClock(), batch_size=7, poll_seconds=poll)


async def _unsent(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        count = await conn.scalar(sa.select(sa.func.count()).where(outbox.c.published_at.is_(None)))
    return int(count or 0)


async def _emit(engine: AsyncEngine, leads: list[Any], rounds: int) -> list[tuple[str, int]]:
    """Interleave events of several leads, one transaction each; returns (lead, seq) in order."""
    uow = unit_of_work_factory(session_factory(engine), SystemClock(), "/test")
    written = []
    for seq in range(rounds):
        for lead in leads:
            async with uow() as unit:
                await unit.emit(
                    LeadDisqualified(
                        lead_id=lead,
                        score=seq,
                        reason="below_threshold",
                        disqualified_at=datetime.now(UTC),
                    )
                )
            written.append((str(lead), seq))
    return written


async def _emit_to(engine: AsyncEngine, topic: str, count: int) -> None:
    """`count` events in one transaction, their rows addressed to `topic`."""
    uow = unit_of_work_factory(session_factory(engine), SystemClock(), "/test")
    async with uow() as unit:
        for _ in range(count):
            event = LeadDisqualified(
                lead_id=uuid4(),
                score=1,
                reason="below_threshold",
                disqualified_at=datetime.now(UTC),
            )
            row = unit.outbox_row(event, None) | {"topic": topic}
            await unit.session.execute(sa.insert(outbox).values(**row))
            unit.emitted.append(event)  # NOTIFY at commit


async def test_rows_are_published_once_and_in_commit_order_per_key(
    engine: AsyncEngine, infra: Infrastructure, producer: AIOKafkaProducer, scratch_topic: str
) -> None:
    leads = [uuid4() for _ in range(3)]
    await _emit(engine, leads, rounds=10)
    first, second = (_relay(engine, infra, producer, scratch_topic) for _ in range(2))

    published = 0
    while True:  # two relays racing: the lease lets one at a time publish
        counts = await asyncio.gather(first.publish_pending(), second.publish_pending())
        if sum(counts) == 0:
            break
        published += sum(counts)
    assert published == 30

    records = await read_topic(infra.kafka_bootstrap, scratch_topic)
    assert len(records) == 30
    assert len({r.headers["ce_id"] for r in records}) == 30
    for lead in leads:
        mine = sorted((r for r in records if r.key == str(lead).encode()), key=lambda r: r.offset)
        assert len({r.partition for r in mine}) == 1  # one key, one partition
        assert [json.loads(r.value or b"{}")["score"] for r in mine] == list(range(10))
    assert await _unsent(engine) == 0


async def test_a_commit_wakes_the_relay_without_waiting_for_the_poll(
    engine: AsyncEngine, infra: Infrastructure, producer: AIOKafkaProducer, scratch_topic: str
) -> None:
    relay = _relay(engine, infra, producer, scratch_topic, poll=60.0)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(1.0)  # the relay has done its first pass and is now listening
        await _emit(engine, [uuid4()], rounds=1)

        async def published() -> int | None:
            return len(await read_topic(infra.kafka_bootstrap, scratch_topic)) or None

        # Far less than the 60 s poll: only the NOTIFY of the commit can have woken it.
        assert await eventually(published, "the relay to publish", timeout=20) == 1
    finally:
        relay.stop()
        await task


async def test_events_written_in_bulk_roll_back_with_their_transaction(
    engine: AsyncEngine,
) -> None:
    """`emit_many` (a COPY on the driver's connection) as a transaction's first statement
    is part of the transaction: a rollback leaves no outbox row behind."""
    uow = unit_of_work_factory(session_factory(engine), SystemClock(), "/test")
    event = LeadDisqualified(
        lead_id=uuid4(), score=1, reason="below_threshold", disqualified_at=datetime.now(UTC)
    )
    with pytest.raises(RuntimeError, match="handler failed"):
        async with uow() as unit:
            await unit.emit_many([(event, None), (event, None)])
            raise RuntimeError("handler failed")
    async with uow() as unit:
        await unit.emit_many([(event, None)])
    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(outbox.c.ce_type, outbox.c.headers))).all()
    assert len(rows) == 1  # only the committed one
    assert ["ce_type", LeadDisqualified.ce_type] in rows[0].headers  # a JSON list of pairs


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_the_relay_runs_as_a_process_of_its_own_and_stops_on_sigterm(
    engine: AsyncEngine, infra: Infrastructure, scratch_topic: str, tmp_path: Path
) -> None:
    """`l2c-relay <package>` beside replicas started with L2C_RELAY_INLINE=false."""
    await _emit_to(engine, scratch_topic, 4)
    url = infra.pg_url.replace("postgresql://", "postgresql+asyncpg://") + f"/{DATABASE}"
    log = (tmp_path / "relay.log").open("wb")
    metrics_port = _free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "l2c_runtime.relay_process",
        "lead_svc",
        env={
            **os.environ,
            "DATABASE_URL": url,
            "KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
            "L2C_RELAY_POLL_SECONDS": "0.2",
            "L2C_METRICS_PORT": str(metrics_port),
            "L2C_METRICS_SAMPLE_SECONDS": "0.2",
            "HTTP_HOST": "127.0.0.1",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:

        async def published(count: int) -> int | None:
            found = len(await read_topic(infra.kafka_bootstrap, scratch_topic))
            return found if found >= count else None

        assert await eventually(lambda: published(4), "the relay process to publish") == 4
        await _emit_to(engine, scratch_topic, 1)  # a later commit wakes it
        assert await eventually(lambda: published(5), "the relay process to publish") == 5

        async def scraped() -> dict[str, float] | None:
            # the relay's own listener; the counters are settled just after the broker's ack
            async with httpx.AsyncClient(timeout=5) as client:
                text = (await client.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
            found: dict[str, float] = defaultdict(float)
            for family in text_string_to_metric_families(text):
                for sample in family.samples:
                    found[sample.name] += sample.value
            return found if found["l2c_relay_events_published_total"] >= 5 else None

        metrics = await eventually(scraped, "the relay's metrics")
        assert metrics["l2c_relay_events_published_total"] == 5
        assert metrics["l2c_relay_publish_duration_seconds_count"] >= 1
        assert metrics["l2c_relay_batch_failures_total"] == 0
        assert "l2c_outbox_oldest_pending_age_seconds" in metrics
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 20)
        log.close()
    assert code == 0, (tmp_path / "relay.log").read_text()
    records = await read_topic(infra.kafka_bootstrap, scratch_topic)
    assert len({r.headers["ce_id"] for r in records}) == 5
    assert all(r.headers["traceparent"].startswith("00-") for r in records)
    assert await _unsent(engine) == 0
    async with engine.connect() as conn:  # given up on the way out: a standby need not wait
        claim = (await conn.execute(sa.select(lease.c.holder, lease.c.generation))).one()
    assert claim == (None, 1)


async def test_a_large_batch_goes_out_in_several_record_batches_per_partition_in_order(
    infra: Infrastructure, scratch_topic: str
) -> None:
    """3 MB over 3 partitions is more than one 512 KiB record batch each: the publisher
    sends each partition's records in their order, keyed records where Kafka's own
    partitioner puts them, unkeyed ones anywhere."""
    producer = relay_producer(infra.kafka_bootstrap, "test-relay")
    await producer.start()
    keys = [f"lead-{n}".encode() for n in (0, 2, 5, 9)]  # murmur2: partitions 1, 0, 2, 1
    records = [
        OutgoingRecord(
            scratch_topic,
            keys[n % 4] if n % 75 else None,
            json.dumps({"seq": n, "pad": "x" * 2000}).encode(),
            [("ce_id", str(n).encode())],
        )
        for n in range(1500)
    ]
    sent_batches: list[int] = []
    send_batch = producer.send_batch

    async def counting(builder: Any, topic: str, *, partition: int) -> Any:
        sent_batches.append(partition)
        return await send_batch(builder, topic, partition=partition)

    producer.send_batch = counting  # type: ignore[method-assign]
    try:
        await BatchPublisher(producer)(records)
    finally:
        await producer.stop()

    batches = Counter(sent_batches)  # about 0.75, 1.5 and 0.75 MB for partitions 0, 1, 2
    assert batches.keys() == {0, 1, 2} and min(batches.values()) >= 2 and batches[1] >= 3
    received = await read_topic(infra.kafka_bootstrap, scratch_topic)
    assert sorted(int(r.headers["ce_id"]) for r in received) == list(range(1500))
    for key in keys:
        mine = sorted((r for r in received if r.key == key), key=lambda r: r.offset)
        assert {r.partition for r in mine} == {(murmur2(key) & 0x7FFFFFFF) % 3}
        sequence = [json.loads(r.value or b"{}")["seq"] for r in mine]
        assert sequence == [n for n in range(1500) if n % 75 and keys[n % 4] == key]
    for partition in range(3):
        ordered = sorted((r for r in received if r.partition == partition), key=lambda r: r.offset)
        sequence = [json.loads(r.value or b"{}")["seq"] for r in ordered]
        assert sequence == sorted(sequence)


async def test_a_record_too_large_for_the_broker_is_refused_before_it_is_sent(
    infra: Infrastructure, scratch_topic: str
) -> None:
    """Sent, the broker would refuse it and leave the partition's sequence numbers broken
    for every later batch of this producer; refused here, the producer goes on."""
    producer = relay_producer(infra.kafka_bootstrap, "test-relay")
    await producer.start()
    publish = BatchPublisher(producer)
    try:
        with pytest.raises(MessageSizeTooLargeError):
            await publish([OutgoingRecord(scratch_topic, b"k", b"x" * 1_100_000, [])])
        await publish([OutgoingRecord(scratch_topic, b"k", b"fits", [])])
    finally:
        await producer.stop()
    assert [r.value for r in await read_topic(infra.kafka_bootstrap, scratch_topic)] == [b"fits"]


async def test_rows_stay_unsent_when_publishing_fails(
    engine: AsyncEngine, infra: Infrastructure
) -> None:
    await _emit(engine, [uuid4()], rounds=3)

    async def broker_away(records: Sequence[OutgoingRecord]) -> None:
        raise KafkaConnectionError("broker away")

    relay = OutboxRelay(engine, f"{infra.pg_url}/{DATABASE}", broker_away, SystemClock())
    with pytest.raises(KafkaConnectionError):
        await relay.publish_pending()
    assert await _unsent(engine) == 3
