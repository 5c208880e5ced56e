"""The consuming side of a service: poll a batch, hand it to the `EventProcessor`, commit
exactly its offsets, and read it again when it could not be handled.

FastStream owns the poll (its subscribers, with manual acknowledgement); this loop decides
what happens to each batch it delivers:
- handled (every record's transaction committed, or the record dead-lettered): the offsets
  of exactly these records are committed, in the background, at most one commit in flight per
  consumer so they land in order (a lost commit only means a redelivery, which the inbox
  skips);
- not handled (e.g. the broker went away while a record was being dead-lettered): the
  consumer is set back to the batch's first record on each partition, so the next poll reads
  it again instead of passing over it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from aiokafka import TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.message import StreamMessage

from l2c_runtime.consumer import ConsumedRecord
from l2c_runtime.settings import ServiceSettings

log = logging.getLogger(__name__)


class BatchProcessor(Protocol):
    async def process_batch(self, records: Sequence[ConsumedRecord]) -> None: ...


class Consumer(Protocol):
    """What the loop needs of an aiokafka consumer."""

    def seek(self, partition: TopicPartition, offset: int) -> None: ...

    async def commit(self, offsets: dict[TopicPartition, int]) -> None: ...


class ConsumerLoop:
    def __init__(self, processor: BatchProcessor, retry_delay: float = 1.0) -> None:
        self.processor = processor
        self.retry_delay = retry_delay
        self._commits: dict[int, asyncio.Task[None]] = {}
        """Per consumer, its offset commit in flight."""

    def subscribe(
        self, broker: KafkaBroker, topics: Sequence[str], group: str, settings: ServiceSettings
    ) -> None:
        """`settings.consumers` consumers per topic in one process: each gets its share of the
        partitions and handles them in order; while one waits for the database, another
        works."""
        for topic, _ in itertools.product(topics, range(settings.consumers)):
            broker.subscriber(
                topic,
                group_id=group,
                ack_policy=AckPolicy.MANUAL,
                auto_offset_reset="earliest",
                batch=True,
                max_records=settings.consume_batch_size,
                batch_timeout_ms=50,
                max_partition_fetch_bytes=settings.fetch_bytes_per_partition,
                decoder=_raw_body,
                parser=_tolerant_parser,
            )(self._on_message)

    async def _on_message(self, body: Any, msg: KafkaMessage) -> None:
        raw = msg.raw_message
        consumer: Any = msg.consumer  # the subscriber's aiokafka consumer
        await self.handle(consumer, raw if isinstance(raw, tuple) else (raw,))

    async def handle(self, consumer: Consumer, batch: Sequence[Any]) -> None:
        """Handle one polled batch of aiokafka records of `consumer`."""
        try:
            await self.processor.process_batch([_consumed(r) for r in batch])
        except Exception:
            log.exception("a poll of %d records failed; reading them again", len(batch))
            _rewind(consumer, batch)
            await asyncio.sleep(self.retry_delay)
            return
        offsets = {TopicPartition(r.topic, r.partition): r.offset + 1 for r in batch}
        previous = self._commits.get(id(consumer))
        if previous is not None:
            await previous
        self._commits[id(consumer)] = asyncio.create_task(_commit(consumer, offsets))

    async def start(self) -> None:
        """Nothing to start: the broker's subscribers poll."""

    async def stop(self, timeout: float = 10.0) -> None:
        """Let the offset commits in flight land (before the broker stops); if Kafka is away,
        those records are redelivered and skipped by the inbox."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*self._commits.values(), return_exceptions=True), timeout
            )


def _consumed(record: Any) -> ConsumedRecord:
    return ConsumedRecord(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        key=record.key,
        value=record.value,
        headers=list(record.headers or ()),
    )


def _rewind(consumer: Consumer, batch: Sequence[Any]) -> None:
    """Set the consumer back to the first record of the batch on each of its partitions."""
    first: dict[TopicPartition, int] = {}
    for record in batch:
        first.setdefault(TopicPartition(record.topic, record.partition), record.offset)
    for partition, offset in first.items():
        try:
            consumer.seek(partition, offset)
        except Exception as exc:  # no longer assigned: its new owner reads from the commit
            log.warning("cannot rewind %s: %s", partition, exc)


async def _commit(consumer: Consumer, offsets: dict[TopicPartition, int]) -> None:
    try:
        await consumer.commit(offsets)
    except Exception as exc:  # e.g. the partitions went to another consumer meanwhile
        log.warning("offset commit failed (%s); those records will be redelivered", exc)


def _header_safe(record: Any) -> Any:
    headers = []
    for name, value in record.headers or ():
        try:
            value.decode()
        except UnicodeDecodeError:
            value = value.hex().encode()  # FastStream decodes every header as UTF-8
        headers.append((name, value))
    return dataclasses.replace(record, headers=headers)


async def _tolerant_parser(raw: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    """FastStream's parser, shielded from binary header values (it would fail, and the record
    would be skipped). The processor reads the original records itself, so of a batch
    FastStream parses only the first (its headers name the batch in logs and spans)."""
    safe = (_header_safe(raw[0]),) if isinstance(raw, tuple) else _header_safe(raw)
    message = await original(safe)
    message.raw_message = raw
    return message


async def _raw_body(message: StreamMessage[Any]) -> Any:
    # Bodies are validated by the processor so that a malformed one can be dead-lettered.
    return message.body
