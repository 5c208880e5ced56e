"""Publish raw records and read whole topics: what an external system (or a test) does with
any Kafka client, no L2C runtime involved."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

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
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
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
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    return sorted(
        p["partition"] for d in described if d["error_code"] == 0 for p in d["partitions"]
    )


async def read_topic(bootstrap: str, topic: str) -> list[Record]:
    """Every record currently in the topic, from the beginning, without a consumer group."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in await partitions_of(bootstrap, topic)]
        if not partitions:
            return []
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        for tp, first in (await consumer.beginning_offsets(partitions)).items():
            consumer.seek(tp, first)
        records: list[Record] = []
        pending = {tp for tp in partitions if ends[tp] > 0}
        deadline = time.monotonic() + 30
        while pending and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
            for tp, messages in batch.items():
                for m in messages:
                    records.append(
                        Record(
                            m.topic,
                            m.partition,
                            m.offset,
                            m.key,
                            m.value,
                            {k: v.decode(errors="replace") for k, v in m.headers},
                        )
                    )
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
    """Re-read the topic until at least `count` records match."""
    deadline = time.monotonic() + timeout
    while True:
        found = [r for r in await read_topic(bootstrap, topic) if predicate(r)]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)
