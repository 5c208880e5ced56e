"""Rebuild the projection: read every context's events topic from its beginning (up to the
end offsets at the start) into an empty `journey_facts`. Facts are keyed by event id, so the
result is the live projection's, whatever the order the topics are read in."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy.ext.asyncio import AsyncEngine

from insights_svc.adapters import facts as store
from insights_svc.app import MIGRATIONS
from insights_svc.domain.facts import Fact, fact_of
from l2c_runtime.db import create_engine, session_factory
from l2c_runtime.kafka_client import kafka_client_options
from l2c_runtime.migrations import upgrade_to_head
from l2c_schemas.base import JourneyEvent
from l2c_schemas.envelope import InvalidMessage, decode_as, read_attributes
from l2c_schemas.registry import message_type
from l2c_schemas.topics import CONTEXT_TOPICS

BATCH = 500
Progress = Callable[[int, int], None]
"""Called with (records read, records to read)."""


@dataclass
class Rebuilt:
    records: int = 0
    facts: int = 0
    skipped: int = 0
    """Records that are no journey event of their topic or cannot be read (the live consumer
    dead-letters those)."""


def fact_of_record(topic: str, value: bytes | None, headers: list[tuple[str, bytes]]) -> Fact:
    """The fact of one record, or InvalidMessage."""
    event = read_attributes(headers)
    model = message_type(event.type)
    if model is None or model.topic != topic or not issubclass(model, JourneyEvent):
        raise InvalidMessage(f"{event.type} is no journey event of {topic}")
    message = decode_as(model, value)
    traceparent = next((v.decode(errors="replace") for k, v in headers if k == "traceparent"), None)
    return fact_of(message, event.id, event.time, traceparent)


async def rebuild(database_url: str, bootstrap: str, progress: Progress | None = None) -> Rebuilt:
    await asyncio.to_thread(upgrade_to_head, MIGRATIONS, database_url)
    engine = create_engine(database_url, 2)
    try:
        return await _replay(engine, bootstrap, progress or (lambda done, total: None))
    finally:
        await engine.dispose()


async def _replay(engine: AsyncEngine, bootstrap: str, progress: Progress) -> Rebuilt:
    sessions = session_factory(engine)
    async with sessions.begin() as session:
        await store.truncate(session)
    consumer = AIOKafkaConsumer(
        **kafka_client_options(), bootstrap_servers=bootstrap, enable_auto_commit=False
    )
    await consumer.start()
    result = Rebuilt()
    try:
        partitions = await _partitions(bootstrap)
        consumer.assign(partitions)
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        total = sum(ends[tp] - starts[tp] for tp in partitions)
        for tp in partitions:
            consumer.seek(tp, starts[tp])
        pending = {tp for tp in partitions if ends[tp] > starts[tp]}
        progress(0, total)
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=1000, max_records=BATCH)
            found: list[Fact] = []
            for tp, records in batch.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    result.records += 1
                    try:
                        found.append(fact_of_record(tp.topic, record.value, list(record.headers)))
                    except InvalidMessage:
                        result.skipped += 1
            if found:
                async with sessions.begin() as session:
                    await store.store(session, found)
                result.facts += len(found)
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
            progress(result.records, total)
    finally:
        await consumer.stop()
    return result


async def _partitions(bootstrap: str) -> list[TopicPartition]:
    """Every partition of the events topics that exist."""
    admin = AIOKafkaAdminClient(**kafka_client_options(), bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(list(CONTEXT_TOPICS))
    finally:
        await admin.close()
    return sorted(
        TopicPartition(d["topic"], p["partition"])
        for d in described
        if d["error_code"] == 0
        for p in d["partitions"]
    )
