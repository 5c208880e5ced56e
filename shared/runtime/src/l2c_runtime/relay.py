"""The outbox relay: publishes committed outbox rows to Kafka, in order, then marks them sent.

Woken by LISTEN/NOTIFY when a transaction commits events, with a slow poll as a safety net.
Several replicas may run: a transaction-scoped advisory lock lets one relay at a time claim
rows, so the order per key is the commit order. A crash between publishing and marking sent
publishes the rows again; consumers drop the duplicates by event id (inbox).

Each record carries the `traceparent` its row was written with (the transaction that emitted
the event is where the message was created, as OpenTelemetry's messaging conventions put it),
so the consumer's span continues the lead's trace. The relay itself traces each batch it sends
as one producer span: a span per event cost a third of the relay's CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

import asyncpg
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.errors import MessageSizeTooLargeError
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder
from opentelemetry import trace
from pydantic_core import from_json
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine

from l2c_runtime import faults
from l2c_runtime.clock import Clock
from l2c_runtime.db import asyncpg_dsn
from l2c_runtime.kafka_client import kafka_client_options
from l2c_runtime.messaging_tables import outbox
from l2c_runtime.settings import ServiceSettings
from l2c_runtime.telemetry import MAX_LINKS, TRACER, span_context_of, traceparent_of
from l2c_runtime.unit_of_work import OUTBOX_CHANNEL

log = logging.getLogger(__name__)

RELAY_BATCH_BYTES = 512 * 1024
PRODUCER_STOP_SECONDS = 10.0
MAX_RECORD_BYTES = 1024 * 1024 - 1024
"""What a record batch of one record may take: Kafka's default message.max.bytes is
1 MiB + 12 bytes."""

# Any constant works; it only has to be the same for every replica of one service.
RELAY_LOCK_ID = 0x12C0_0B0C


class OutgoingRecord(NamedTuple):
    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


Publish = Callable[[Sequence[OutgoingRecord]], Awaitable[None]]
"""Publishes records, those of one key in their order, and returns once the broker has
acknowledged them all (raises if it has not)."""


_IDS = ARRAY(sa.BigInteger)
_RELAYED = (
    outbox.c.id,
    outbox.c.topic,
    outbox.c.message_key,
    outbox.c.ce_type,
    # as text, parsed by pydantic-core: the driver's json.loads was a tenth of the relay's CPU
    sa.cast(outbox.c.headers, sa.Text).label("headers"),
    outbox.c.payload,
    outbox.c.traceparent,
)


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        dsn: str,
        publish: Publish,
        clock: Clock,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
    ) -> None:
        self._engine = engine
        self._dsn = dsn
        self._publish = publish
        self._clock = clock
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = False

    async def run(self) -> None:
        listener = await self._listen()
        try:
            while not self._stopping:
                try:
                    published = await self.publish_pending()
                except Exception:
                    # Broker or database away: keep the rows, try again shortly.
                    log.exception("outbox relay failed; retrying")
                    await asyncio.sleep(self._poll_seconds)
                    continue
                if published == self._batch_size:
                    continue  # more are waiting
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
                self._wake.clear()
        finally:
            if listener is not None:
                await listener.close()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def _listen(self) -> asyncpg.Connection | None:
        try:
            conn = await asyncpg.connect(self._dsn)
            await conn.add_listener(OUTBOX_CHANNEL, lambda *_: self._wake.set())
            return conn
        except (OSError, asyncpg.PostgresError):
            log.warning("outbox relay cannot LISTEN; polling only")
            return None

    async def publish_pending(self) -> int:
        """Publish one batch of unsent rows in id order; returns how many were published."""
        async with self._engine.begin() as conn:
            locked = await conn.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(RELAY_LOCK_ID)))
            if not locked:
                return 0  # another replica is relaying
            rows = (
                await conn.execute(
                    sa.select(*_RELAYED)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.id)
                    .limit(self._batch_size)
                )
            ).all()
            if not rows:
                return 0
            faults.crash_point(faults.AFTER_COMMIT_BEFORE_PUBLISH, (r.ce_type for r in rows))
            topics = {row.topic for row in rows}
            attributes: dict[str, Any] = {
                "messaging.system": "kafka",
                "messaging.operation.type": "send",
                "messaging.batch.message_count": len(rows),
            }
            if len(topics) == 1:
                attributes["messaging.destination.name"] = next(iter(topics))
            with TRACER.start_as_current_span(
                "outbox publish",
                kind=trace.SpanKind.PRODUCER,
                links=_links(rows),
                attributes=attributes,
            ) as span:
                # a row written outside any trace joins this batch's
                untraced = traceparent_of(span)
                records = [_record(row, untraced) for row in rows]
                await self._publish(records)
            await conn.execute(
                sa.update(outbox)
                .where(outbox.c.id == sa.any_(sa.bindparam("ids", [row.id for row in rows], _IDS)))
                .values(published_at=self._clock.now(), attempts=outbox.c.attempts + 1)
            )
            return len(rows)


def _links(rows: Sequence[Any]) -> list[trace.Link]:
    """Links from the batch's span to the spans that wrote its events (the first 128
    distinct ones): which journeys a slow or failed publication held up."""
    links = []
    seen = set()
    for row in rows:
        if row.traceparent is None or row.traceparent in seen:
            continue
        seen.add(row.traceparent)
        span_context = span_context_of(row.traceparent)
        if span_context is not None:
            links.append(trace.Link(span_context))
            if len(links) == MAX_LINKS:
                break
    return links


def _record(row: Any, untraced: str | None) -> OutgoingRecord:
    pairs = from_json(row.headers)  # [[name, value], ...]
    pairs = from_json(pairs) if isinstance(pairs, str) else pairs  # older rows
    headers = [(name, value.encode()) for name, value in pairs]
    traceparent = row.traceparent or untraced
    if traceparent is not None:
        headers.append(("traceparent", traceparent.encode()))
    key = row.message_key.encode() if row.message_key is not None else None
    return OutgoingRecord(row.topic, key, row.payload, headers)


def relay_with_publisher(
    engine: AsyncEngine, settings: ServiceSettings, clock: Clock, name: str
) -> tuple[OutboxRelay, RenewingPublisher]:
    """A service's relay and the publisher (with a producer of its own) it publishes with, as
    a service replica and the `l2c-relay` process both run them. Call on the running event
    loop (aiokafka wants its producer created there), start the publisher before the relay
    and stop it after."""
    publisher = RenewingPublisher(lambda: relay_producer(settings.kafka_bootstrap, name))
    relay = OutboxRelay(
        engine,
        asyncpg_dsn(settings.database_url),
        publisher,
        clock,
        settings.relay_batch_size,
        settings.relay_poll_seconds,
    )
    return relay, publisher


def relay_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    """The producer a relay publishes with: idempotent, acknowledged by all in-sync
    replicas, Kafka's key partitioning. (Create it on the running event loop.)"""
    return AIOKafkaProducer(
        **kafka_client_options(),
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        partitioner=KeyHashPartitioner(),
        # a relay batch goes out as one record batch per partition (under the broker's
        # default 1 MiB message limit)
        max_batch_size=RELAY_BATCH_BYTES,
    )


class RenewingPublisher:
    """Publishes through a `BatchPublisher` over a producer of its own, replaced after a few
    failed publications in a row. After some broker errors (a batch refused for good,
    sequence numbers out of order, a fenced producer id) aiokafka's producer fails every
    later batch of the partition until it is replaced; when the broker is only away, a new
    producer costs a reconnect."""

    def __init__(self, make_producer: Callable[[], AIOKafkaProducer], renew_after: int = 3) -> None:
        self._make_producer = make_producer
        self._renew_after = renew_after
        self._producer: AIOKafkaProducer | None = None
        self._publish: BatchPublisher | None = None
        self._failures = 0

    @property
    def producer(self) -> AIOKafkaProducer | None:
        return self._producer

    async def start(self) -> None:
        await self._ready()

    async def stop(self) -> None:
        producer, self._producer, self._publish = self._producer, None, None
        if producer is not None:
            try:
                await asyncio.wait_for(producer.stop(), PRODUCER_STOP_SECONDS)
            except Exception:
                log.warning("the relay's producer did not stop cleanly", exc_info=True)

    async def __call__(self, records: Sequence[OutgoingRecord]) -> None:
        publish = await self._ready()
        try:
            await publish(records)
        except MessageSizeTooLargeError:
            raise  # refused here, before sending: the producer is fine
        except Exception:
            self._failures += 1
            if self._failures >= self._renew_after:
                log.warning("renewing the relay's producer after %d failures", self._failures)
                await self.stop()
            raise
        self._failures = 0

    async def _ready(self) -> BatchPublisher:
        if self._publish is None:
            producer = self._make_producer()
            try:
                await producer.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer, self._publish, self._failures = producer, BatchPublisher(producer), 0
        return self._publish


class BatchPublisher:
    """Publishes a relay batch as Kafka record batches, one (or, when large, a few) per
    partition, the records of each partition in their given order: per-record sends cost the
    relay several times the CPU in futures and bookkeeping. Keyed records are partitioned as
    `KeyHashPartitioner` does; unkeyed ones go to any partition that has a leader. The
    producer's idempotence keeps a retried batch from landing twice and its batches on one
    partition in order."""

    def __init__(self, producer: AIOKafkaProducer, max_record_bytes: int = MAX_RECORD_BYTES):
        self._producer = producer
        self._partitioner = KeyHashPartitioner()
        self._max_record_bytes = max_record_bytes

    async def __call__(self, records: Sequence[OutgoingRecord]) -> None:
        rounds = self._build(await self._by_partition(records))
        deliveries: list[asyncio.Future[Any]] = []
        try:
            # Every partition's first batch is queued before any second one: a partition's
            # next batch waits until its previous one has gone out.
            for batches in rounds:
                for topic, partition, builder in batches:
                    deliveries.append(
                        await self._producer.send_batch(builder, topic, partition=partition)
                    )
            await asyncio.gather(*deliveries)
        except BaseException:
            await asyncio.gather(*deliveries, return_exceptions=True)  # none left unawaited
            raise

    async def _by_partition(
        self, records: Sequence[OutgoingRecord]
    ) -> dict[tuple[str, int], list[OutgoingRecord]]:
        by_partition: dict[tuple[str, int], list[OutgoingRecord]] = {}
        partitions_of: dict[str, tuple[list[int], list[int]]] = {}
        for record in records:
            known = partitions_of.get(record.topic)
            if known is None:
                every = sorted(await self._producer.partitions_for(record.topic))
                led = self._producer.client.cluster.available_partitions_for_topic(record.topic)
                known = partitions_of[record.topic] = (every, sorted(led or every))
            partition = self._partitioner(record.key, *known)
            by_partition.setdefault((record.topic, partition), []).append(record)
        return by_partition

    def _build(
        self, by_partition: dict[tuple[str, int], list[OutgoingRecord]]
    ) -> list[list[tuple[str, int, BatchBuilder]]]:
        """The closed record batches to send, in rounds: the n-th batch of every partition."""
        rounds: list[list[tuple[str, int, BatchBuilder]]] = []
        for (topic, partition), records in by_partition.items():
            builders = [self._producer.create_batch()]
            for record in records:
                if _append(builders[-1], record):
                    continue
                builders[-1].close()  # full: the record starts the next batch
                builders.append(self._producer.create_batch())
                _append(builders[-1], record)  # a batch's first record is always taken
            for n, builder in enumerate(builders):
                # A batch's first record is always taken, whatever its size: refuse one the
                # broker would (it would leave the partition's sequence numbers broken).
                if builder.size() > self._max_record_bytes:
                    raise MessageSizeTooLargeError(
                        f"a record for {topic} is over {self._max_record_bytes} bytes"
                    )
                builder.close()
                if n == len(rounds):
                    rounds.append([])
                rounds[n].append((topic, partition, builder))
        return rounds


def _append(builder: BatchBuilder, record: OutgoingRecord) -> bool:
    """Add the record to the batch; False when the batch is full."""
    added = builder.append(
        timestamp=None, key=record.key, value=record.value, headers=record.headers
    )
    return added is not None


class KeyHashPartitioner:
    """Kafka's default partitioning (murmur2 of the key, as the Java client does, so a key
    lands where any other producer would put it), each key's hash remembered: a lead's
    events share its key. The hash is `murmur2` below, which reads the key four bytes at a
    time (aiokafka's reads it byte by byte: 5 % of the relay's CPU)."""

    def __init__(self, remembered: int = 65_536) -> None:
        self._hash = lru_cache(maxsize=remembered)(murmur2)

    def __call__(self, key: bytes | None, all_partitions: Sequence[int], available: Any) -> int:
        if key is None:
            return int(DefaultPartitioner()(key, all_partitions, available))
        partition: int = all_partitions[(self._hash(key) & 0x7FFFFFFF) % len(all_partitions)]
        return partition


_M = 0x5BD1E995
_WORDS = [struct.Struct(f"<{n}I") for n in range(64)]


def murmur2(data: bytes) -> int:
    """MurmurHash2 as Kafka's Java client computes it (seed 0x9747B28C) for partitioning, as
    an unsigned 32-bit number."""
    length = len(data)
    count = length >> 2
    words = _WORDS[count] if count < len(_WORDS) else struct.Struct(f"<{count}I")
    h = 0x9747B28C ^ length
    for k in words.unpack_from(data):
        k = (k * _M) & 0xFFFFFFFF
        k = ((k ^ (k >> 24)) * _M) & 0xFFFFFFFF
        h = ((h * _M) & 0xFFFFFFFF) ^ k
    tail = length & 3
    if tail:
        at = count << 2
        if tail == 3:
            h ^= data[at + 2] << 16
        if tail >= 2:
            h ^= data[at + 1] << 8
        h = ((h ^ data[at]) * _M) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * _M) & 0xFFFFFFFF
    return h ^ (h >> 15)
