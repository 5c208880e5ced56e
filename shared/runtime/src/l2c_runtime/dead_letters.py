"""Dead letters: a record a consumer gives up on is published to `<topic>.dlq` with its own
headers and why it failed. A copy the broker could not take (a record near the broker's size
limit, grown by the error headers) keeps the headers and a truncated body, and the full record
is kept in the service's own database (`dead_letter` table), so the consumer can go on: before,
the refused copy failed the poll, which was read again and again."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

import sqlalchemy as sa
from aiokafka.errors import MessageSizeTooLargeError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from l2c_runtime.consumer import ConsumedRecord, dead_letter_headers
from l2c_runtime.messaging_tables import dead_letter
from l2c_schemas.topics import dead_letter_topic

log = logging.getLogger(__name__)

Publish = Callable[[bytes, str, bytes | None, dict[str, str]], Awaitable[None]]
"""Publishes (value, topic, key, headers) and returns once the broker has it."""

RECORD_OVERHEAD_BYTES = 1024
"""Room for the record batch's own framing, beyond key, value and headers."""
TRUNCATED_BODY_BYTES = 16 * 1024
"""How much of an oversized body its dead-letter copy keeps: enough to recognise it."""
TRUNCATED_HEADER_CHARS = 2048
"""How long any one header value of an oversized copy may be (the full ones are stored)."""


def record_size(value: bytes, key: bytes | None, headers: dict[str, str]) -> int:
    """What a record weighs against the broker's `max.message.bytes`, within a small margin."""
    header_bytes = sum(len(name) + len(text.encode()) for name, text in headers.items())
    return len(value) + len(key or b"") + header_bytes + RECORD_OVERHEAD_BYTES


class DeadLetters:
    """Sends records one consumer gives up on to their dead-letter topics."""

    def __init__(
        self,
        consumer: str,
        publish: Publish,
        engine: AsyncEngine,
        now: Callable[[], datetime],
        max_record_bytes: int,
    ) -> None:
        self._consumer = consumer
        self._publish = publish
        self._engine = engine
        self._now = now
        self._max_bytes = max_record_bytes

    async def __call__(self, record: ConsumedRecord, error_type: str, reason: str) -> None:
        log.warning("dead-lettering %s@%s: %s", record.topic, record.offset, reason)
        value = record.value or b""
        headers = dead_letter_headers(record, error_type, reason, self._consumer)
        topic = dead_letter_topic(record.topic)
        if record_size(value, record.key, headers) <= self._max_bytes:
            try:
                await self._publish(value, topic, record.key, headers)
                return
            except MessageSizeTooLargeError:  # the topic's own limit is lower than ours
                log.warning("dead letter of %s@%s refused: too large", record.topic, record.offset)
        stored_id = await self._store(record, headers, error_type, reason)
        short = {name: text[:TRUNCATED_HEADER_CHARS] for name, text in headers.items()}
        short.update(
            {
                "l2c_body_truncated": "true",
                "l2c_body_bytes": str(len(value)),
                "l2c_dead_letter_id": str(stored_id),
            }
        )
        log.warning(
            "dead letter of %s@%s (%d bytes) kept in table dead_letter as id %d; its copy on %s "
            "is truncated",
            record.topic,
            record.offset,
            len(value),
            stored_id,
            topic,
        )
        await self._publish(value[:TRUNCATED_BODY_BYTES], topic, record.key, short)

    async def _store(
        self, record: ConsumedRecord, headers: dict[str, str], error_type: str, reason: str
    ) -> int:
        """The full record, once per consumer and offset (a redelivery finds the same row)."""
        reason = _storable(reason)
        statement = (
            insert(dead_letter)
            .values(
                consumer=self._consumer,
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                message_key=record.key,
                headers={_storable(name): _storable(text) for name, text in headers.items()},
                payload=record.value or b"",
                error_type=_storable(error_type),
                error=reason,
                dead_lettered_at=self._now(),
            )
            .on_conflict_do_update(
                index_elements=["consumer", "topic", "partition", "offset"],
                set_={"error_type": error_type, "error": reason},
            )
            .returning(dead_letter.c.id)
        )
        async with self._engine.begin() as conn:
            return int((await conn.execute(statement)).scalar_one())


def _storable(text: str) -> str:
    """PostgreSQL text and JSONB cannot hold NUL; a poison record may well carry one."""
    return text.replace("\x00", "\ufffd")


async def stored_dead_letter(engine: AsyncEngine, stored_id: int) -> dict[str, object] | None:
    """The full record behind a truncated dead-letter copy (its `l2c_dead_letter_id`)."""
    async with engine.connect() as conn:
        row = (
            await conn.execute(sa.select(dead_letter).where(dead_letter.c.id == stored_id))
        ).first()
    return None if row is None else dict(row._mapping)
