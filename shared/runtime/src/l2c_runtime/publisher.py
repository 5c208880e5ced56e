"""Publishing to Kafka for the outbox relay: record batches per partition, Kafka's own key
partitioning, a producer renewed after failures, and which broker errors are a record's fault.

A broker error is *transient* when Kafka flags it retriable (leader not available, not
enough replicas, a request timed out), or when the broker cannot be reached or does not answer
in time: the rows are published again later, never parked. It is *the record's fault* when it
is not retriable and says the record cannot be taken (over the size limit, corrupt, a bad
timestamp): that row is parked. Any other refusal (e.g. not authorised, a fenced producer) is
the relay's own trouble: its producer is replaced and the rows are retried with back-off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTimestampError,
    KafkaError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
)
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder

from l2c_runtime.kafka_client import kafka_client_options

log = logging.getLogger(__name__)

RELAY_BATCH_BYTES = 512 * 1024
PRODUCER_STOP_SECONDS = 10.0
MAX_RECORD_BYTES = 1024 * 1024 - 1024
"""What a record batch of one record may take: Kafka's default message.max.bytes is
1 MiB + 12 bytes."""

_RECORD_REFUSALS = (
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    CorruptRecordException,
    InvalidTimestampError,
)


class RecordTooLarge(MessageSizeTooLargeError):  # type: ignore[misc]
    """Refused here, before sending: the broker would refuse it (and leave the partition's
    sequence numbers broken for the producer's later batches)."""


def refused_for_good(exc: BaseException) -> bool:
    """The broker (or the publisher, on its behalf) refused a record for a reason no retry
    cures: the record is poison and is parked."""
    if isinstance(exc, PartlyPublished):
        return refused_for_good(exc.cause)
    return isinstance(exc, _RECORD_REFUSALS) and isinstance(exc, KafkaError) and not exc.retriable


def transient(exc: BaseException) -> bool:
    """A failure that passes by itself: publish the same rows again later."""
    if isinstance(exc, PartlyPublished):
        return transient(exc.cause)
    if isinstance(exc, TimeoutError | OSError | KafkaTimeoutError):
        return True
    return isinstance(exc, KafkaError) and bool(exc.retriable)


class OutgoingRecord(NamedTuple):
    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


Publish = Callable[[Sequence[OutgoingRecord]], Awaitable[None]]
"""Publishes records, those of one key in their order, and returns once the broker has
acknowledged them all (raises if it has not)."""


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
        except RecordTooLarge:
            raise  # refused here, before sending: the producer is fine
        except Exception as exc:
            self._failures += 1
            if not transient(exc):
                # refused by the broker: aiokafka's producer fails the partition's later
                # batches until it is replaced
                log.warning("renewing the relay's producer after a refusal: %r", exc)
                await self.stop()
            elif self._failures >= self._renew_after:
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
                for topic, partition, builder, _ in batches:
                    deliveries.append(
                        await self._producer.send_batch(builder, topic, partition=partition)
                    )
            await asyncio.gather(*deliveries)
        except Exception as exc:
            if not refused_for_good(exc):
                _observe_all(deliveries)
                raise
            # Refused by the broker: which batches did get through (the others are answered
            # soon; the caller's timeout bounds the wait)? Those need not go again.
            if deliveries:
                await asyncio.wait(deliveries)
            sent = [batch for batches in rounds for batch in batches][: len(deliveries)]
            acknowledged = frozenset(
                index
                for delivery, (*_, indexes) in zip(deliveries, sent, strict=True)
                if not delivery.cancelled() and delivery.exception() is None
                for index in indexes
            )
            raise PartlyPublished(exc, acknowledged) from exc
        except BaseException:
            # Not awaited (a timeout must not wait for the broker), but none left unobserved.
            _observe_all(deliveries)
            raise

    async def _by_partition(
        self, records: Sequence[OutgoingRecord]
    ) -> dict[tuple[str, int], list[tuple[int, OutgoingRecord]]]:
        """Each partition's records, with their places in `records`, in their order."""
        by_partition: dict[tuple[str, int], list[tuple[int, OutgoingRecord]]] = {}
        partitions_of: dict[str, tuple[list[int], list[int]]] = {}
        for index, record in enumerate(records):
            known = partitions_of.get(record.topic)
            if known is None:
                every = sorted(await self._producer.partitions_for(record.topic))
                led = self._producer.client.cluster.available_partitions_for_topic(record.topic)
                known = partitions_of[record.topic] = (every, sorted(led or every))
            partition = self._partitioner(record.key, *known)
            by_partition.setdefault((record.topic, partition), []).append((index, record))
        return by_partition

    def _build(
        self, by_partition: dict[tuple[str, int], list[tuple[int, OutgoingRecord]]]
    ) -> list[list[_Batch]]:
        """The closed record batches to send, in rounds: the n-th batch of every partition."""
        rounds: list[list[_Batch]] = []
        for (topic, partition), records in by_partition.items():
            builders = [self._producer.create_batch()]
            indexes: list[list[int]] = [[]]
            for index, record in records:
                if not _append(builders[-1], record):
                    builders[-1].close()  # full: the record starts the next batch
                    builders.append(self._producer.create_batch())
                    indexes.append([])
                    _append(builders[-1], record)  # a batch's first record is always taken
                indexes[-1].append(index)
            for n, builder in enumerate(builders):
                # A batch's first record is always taken, whatever its size: refuse one the
                # broker would (it would leave the partition's sequence numbers broken).
                if builder.size() > self._max_record_bytes:
                    raise RecordTooLarge(
                        f"a record for {topic} is over {self._max_record_bytes} bytes"
                    )
                builder.close()
                if n == len(rounds):
                    rounds.append([])
                rounds[n].append((topic, partition, builder, indexes[n]))
        return rounds


_Batch = tuple[str, int, BatchBuilder, list[int]]
"""A closed record batch: its topic, partition, and the places of its records in the call."""


class PartlyPublished(KafkaError):  # type: ignore[misc]
    """The broker refused some record batch of a publication for good (`cause`); the records
    at `acknowledged` (places in the call) were published all the same."""

    def __init__(self, cause: Exception, acknowledged: frozenset[int]) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.acknowledged = acknowledged


def _observe_all(deliveries: list[asyncio.Future[Any]]) -> None:
    for delivery in deliveries:
        delivery.add_done_callback(_observe)


def _observe(delivery: asyncio.Future[Any]) -> None:
    if not delivery.cancelled():
        delivery.exception()


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
