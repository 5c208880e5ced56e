"""Publish raw records and read whole topics: what an external system (or a test) does with
any Kafka client, no L2C runtime involved."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from l2c_runtime.kafka_client import kafka_client_options
from l2c_schemas.base import Message
from l2c_schemas.envelope import encode


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.value or b"null")


async def publish(
    bootstrap: str,
    topic: str,
    value: bytes,
    headers: list[tuple[str, bytes]],
    key: bytes | None = None,
) -> None:
    producer = AIOKafkaProducer(**kafka_client_options(), bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def publish_message(bootstrap: str, message: Message, source: str = "/test") -> str:
    """Publish an L2C message as a CloudEvent; returns its event id."""
    record = encode(message, source=source)
    await publish(bootstrap, record.topic, record.value, record.headers, record.key)
    return dict(record.headers)["ce_id"].decode()


async def partitions_of(bootstrap: str, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(**kafka_client_options(), bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(
        p["partition"] for d in described if d["error_code"] == 0 for p in d["partitions"]
    )


_reading_starts: dict[TopicPartition, int] = {}


def read_from(offsets: dict[TopicPartition, int]) -> None:
    """Make `read_topic` and `wait_for_records` start at these offsets instead of a topic's
    beginning: what a shared dev broker held before a test platform started (hundreds of
    thousands of benchmark records) is then not read again by every read of every test."""
    _reading_starts.update(offsets)


async def _seek_to_start(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> None:
    for tp, first in (await consumer.beginning_offsets(partitions)).items():
        consumer.seek(tp, max(first, _reading_starts.get(tp, first)))


async def read_topic(bootstrap: str, topic: str) -> list[Record]:
    """Every record currently in the topic, from the beginning (or from where `read_from`
    says), without a consumer group."""
    consumer = AIOKafkaConsumer(
        **kafka_client_options(), bootstrap_servers=bootstrap, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await partitions_of(bootstrap, topic)]
        if not partitions:
            return []
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await _seek_to_start(consumer, partitions)
        records: list[Record] = []
        pending = {tp for tp in partitions if ends[tp] > 0}
        deadline = time.monotonic() + 30
        while pending and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
            for tp, messages in batch.items():
                records += map(_record, messages)
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
        return records
    finally:
        await consumer.stop()


async def wait_for_records(
    bootstrap: str,
    topic: str,
    predicate: Callable[[Record], bool],
    count: int = 1,
    timeout: float = 30.0,
) -> list[Record]:
    """Read the topic from the beginning (or from where `read_from` says), and on as records
    arrive, until at least `count` records match and everything the topic held by then has
    been read (so a duplicate that is already there is in the answer too). Returns the
    matches found, fewer on timeout. One pass however long the topic is."""
    deadline = time.monotonic() + timeout
    consumer = AIOKafkaConsumer(
        **kafka_client_options(), bootstrap_servers=bootstrap, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await partitions_of(bootstrap, topic)]
        consumer.assign(partitions)
        await _seek_to_start(consumer, partitions)
        found: list[Record] = []
        while True:
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            for messages in batch.values():
                found += [r for r in map(_record, messages) if predicate(r)]
            if len(found) >= count and await _read_to_end(consumer, partitions):
                return found
            if time.monotonic() > deadline:
                return found
    finally:
        await consumer.stop()


def _record(m: Any) -> Record:
    return Record(
        m.topic,
        m.partition,
        m.offset,
        m.key,
        m.value,
        {k: v.decode(errors="replace") for k, v in m.headers},
    )


async def _read_to_end(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> bool:
    ends = await consumer.end_offsets(partitions)
    return all([await consumer.position(tp) >= ends[tp] for tp in partitions])
