"""Keeps a SimulatedClock in step with the platform's clock topic.

Every replica of every service reads the whole topic, outside any consumer group (each must see
every change), starting from the beginning so a late starter adopts the current offset.

A process adopts the platform's current offset (`catch_up`) before it starts consuming, serving
or running jobs: a service restarted while the platform runs months ahead must not issue an
invoice dated today, nor age one by that date, in the moment its follower is replaying."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from l2c_runtime.clock import SimulatedClock
from l2c_runtime.kafka_client import kafka_client_options
from l2c_runtime.topics import ensure_topics
from l2c_schemas.clock import ClockAdvanced
from l2c_schemas.envelope import InvalidMessage, decode_as, encode
from l2c_schemas.topics import CLOCK

log = logging.getLogger(__name__)

_READ_BACK = 100
"""How many records back from the newest `current_offset` looks for a readable one."""


async def follow_clock(bootstrap: str, clock: SimulatedClock) -> None:
    await ensure_topics(bootstrap, [CLOCK], partitions=1)
    consumer = AIOKafkaConsumer(
        **kafka_client_options(), bootstrap_servers=bootstrap, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partition = TopicPartition(CLOCK, 0)
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        async for record in consumer:
            try:
                change = decode_as(ClockAdvanced, record.value)
            except InvalidMessage as exc:
                log.warning("ignoring bad clock record at offset %s: %s", record.offset, exc)
                continue
            clock.set_offset(timedelta(seconds=change.offset_seconds))
            log.info("simulated clock now %s", clock.now().isoformat())
    finally:
        await consumer.stop()


async def current_offset(bootstrap: str) -> timedelta:
    """The platform's simulated offset: that of the newest readable clock record (0 if none).
    A record that does not decode is passed over for the one before it."""
    await ensure_topics(bootstrap, [CLOCK], partitions=1)
    consumer = AIOKafkaConsumer(
        **kafka_client_options(), bootstrap_servers=bootstrap, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partition = TopicPartition(CLOCK, 0)
        consumer.assign([partition])
        first = (await consumer.beginning_offsets([partition]))[partition]
        end = (await consumer.end_offsets([partition]))[partition]
        for offset in range(end - 1, max(first, end - _READ_BACK) - 1, -1):
            consumer.seek(partition, offset)
            record = await asyncio.wait_for(consumer.getone(), 10)
            try:
                change = decode_as(ClockAdvanced, record.value)
            except InvalidMessage as exc:
                log.warning("ignoring bad clock record at offset %s: %s", record.offset, exc)
                continue
            return timedelta(seconds=change.offset_seconds)
        return timedelta(0)
    finally:
        await consumer.stop()


async def catch_up(bootstrap: str, clock: SimulatedClock) -> None:
    """Set `clock` to the platform's current offset, read from the clock topic now."""
    clock.set_offset(await current_offset(bootstrap))
    log.info("simulated clock now %s", clock.now().isoformat())


async def advance_platform_clock(bootstrap: str, delta: timedelta) -> timedelta:
    """Move the whole platform's simulated time forward by `delta`; returns the new offset."""
    if delta <= timedelta(0):
        raise ValueError("the clock only moves forward")
    offset = await current_offset(bootstrap) + delta
    record = encode(
        ClockAdvanced(offset_seconds=int(offset.total_seconds()), advanced_at=datetime.now(UTC)),
        source="/l2c/clock",
    )
    producer = AIOKafkaProducer(**kafka_client_options(), bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(
            record.topic, record.value, key=record.key, headers=record.headers
        )
    finally:
        await producer.stop()
    return offset
