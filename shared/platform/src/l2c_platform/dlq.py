"""Dead letters: select them and send them back where they came from (the `l2c dlq` command,
l2c_platform.cli.dlq, is how operators do it).

A record is replayed to its `l2c_original_topic` with its original headers (the `l2c_*` error
headers removed) and its original CloudEvents id, so every consumer that had already handled it
skips it again (inbox), and only the one that failed tries once more — after the cause (a bug, a
missing reference) was fixed."""

from __future__ import annotations

import json
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaProducer

from l2c_platform.kafka_io import Record
from l2c_platform.launcher import PlatformConfig
from l2c_runtime.kafka_client import kafka_client_options

ERROR_HEADER_PREFIX = "l2c_"


def original_headers(record: Record) -> list[tuple[str, bytes]]:
    """The headers the record had before it was dead-lettered."""
    return [
        (name, value.encode())
        for name, value in record.headers.items()
        if not name.startswith(ERROR_HEADER_PREFIX)
    ]


def select(records: list[Record], consumer: str | None, error_type: str | None) -> list[Record]:
    return [
        r
        for r in records
        if (consumer is None or r.headers.get("l2c_consumer") == consumer)
        and (error_type is None or r.headers.get("l2c_error_type") == error_type)
    ]


def is_truncated(record: Record) -> bool:
    """A copy too large for the dead-letter topic: its body is cut short, and the full record
    is in the consumer's database, table `dead_letter`, row `l2c_dead_letter_id`."""
    return record.headers.get("l2c_body_truncated") == "true"


def lead_of(record: Record) -> UUID | None:
    """The lead a dead letter is about: its body's `lead_id`, when it has a readable one."""
    try:
        body = json.loads(record.value or b"null")
    except ValueError:
        return None
    value = body.get("lead_id") if isinstance(body, dict) else None
    try:
        return UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


async def erased_leads(config: PlatformConfig, lead_ids: set[UUID]) -> set[UUID]:
    """Which of these leads lead-svc has erased. A dead letter of an erased lead must not be
    replayed: it would bring the person back into the services that consume it."""
    if not lead_ids:
        return set()
    connection = await asyncpg.connect(f"{config.pg_url}/{config.database_prefix}lead", timeout=10)
    try:
        rows = await connection.fetch(
            "SELECT id FROM leads WHERE id = ANY($1::uuid[]) AND erased_at IS NOT NULL",
            list(lead_ids),
        )
    finally:
        await connection.close()
    return {row["id"] for row in rows}


async def replay(bootstrap: str, records: list[Record]) -> int:
    """Send the records back; a truncated copy is not sent (its body is not the event)."""
    producer = AIOKafkaProducer(
        **kafka_client_options(), bootstrap_servers=bootstrap, enable_idempotence=True, acks="all"
    )
    await producer.start()
    records = [r for r in records if not is_truncated(r)]
    try:
        for record in records:
            await producer.send_and_wait(
                record.headers["l2c_original_topic"],
                record.value,
                key=record.key,
                headers=original_headers(record),
            )
    finally:
        await producer.stop()
    return len(records)
