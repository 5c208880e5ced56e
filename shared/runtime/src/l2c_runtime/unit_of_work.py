"""One database transaction per command or event: the state change, the inbox record and the
outbox rows of the events it causes commit together, or not at all."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from operator import itemgetter
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from pydantic_core import to_json
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from l2c_runtime.auth.context import current_caller
from l2c_runtime.clock import Clock
from l2c_runtime.errors import RuleViolation
from l2c_runtime.http.idempotency import mark_effect_committed
from l2c_runtime.messaging_tables import outbox
from l2c_runtime.telemetry import current_traceparent
from l2c_schemas.base import Message
from l2c_schemas.envelope import attribute_headers

OUTBOX_CHANNEL = "l2c_outbox"

MAX_EVENT_BYTES = 1_000_000
"""The largest record (key, value and headers) an event may make: under Kafka's default
`message.max.bytes` (1 MiB) with room for the record batch's own overhead."""
# Per header and per record, the varints and attributes of Kafka's record format, generously.
_RECORD_OVERHEAD = 64
_HEADER_OVERHEAD = 10


class EventTooLarge(RuleViolation):
    """An event would make a record the broker refuses (HTTP 413): refused when it is emitted,
    so its transaction rolls back, rather than stopping the relay at publication."""


def record_size(row: Mapping[str, Any]) -> int:
    """Upper estimate of the Kafka record an outbox row becomes."""
    key = row["message_key"]
    size = _RECORD_OVERHEAD + len(row["payload"]) + (0 if key is None else len(key.encode()))
    for name, value in row["headers"]:
        size += _HEADER_OVERHEAD + len(name.encode()) + len(value.encode())
    if row["traceparent"] is not None:
        size += _HEADER_OVERHEAD + len("traceparent") + len(row["traceparent"])
    return size


class UnitOfWork:
    """An open transaction. Handlers read and write through `session` and call `emit` for each
    event; nothing reaches Kafka unless the transaction commits."""

    def __init__(
        self,
        session: AsyncSession,
        clock: Clock,
        source: str,
        max_event_bytes: int = MAX_EVENT_BYTES,
    ) -> None:
        self.session = session
        self.clock = clock
        self.source = source
        self.max_event_bytes = max_event_bytes
        self.emitted: list[Message] = []

    async def emit(self, message: Message) -> UUID:
        """Record an event in the outbox, with the trace context of this transaction (and,
        when a person's API call caused it, that person as its `actor`)."""
        message = with_actor(message)
        row = self.outbox_row(message, current_traceparent())
        await self.session.execute(sa.insert(outbox).values(**row))
        self.emitted.append(message)
        return UUID(str(row["event_id"]))

    async def emit_many(self, events: Sequence[tuple[Message, str | None]]) -> None:
        """Record many (event, traceparent) pairs in the outbox, in order, with one COPY: a
        job that emits thousands of events in one transaction (e.g. a billing run), each
        continuing the trace of the journey it belongs to."""
        events = [(with_actor(message), traceparent) for message, traceparent in events]
        rows = [self.outbox_row(message, traceparent) for message, traceparent in events]
        self.emitted += [message for message, _ in events]
        await self.copy_rows(outbox, rows)

    def outbox_row(self, message: Message, traceparent: str | None) -> dict[str, Any]:
        """The outbox row of an event, for services that write many rows in one statement;
        they append the message to `emitted` so the relay is woken at commit."""
        now = self.clock.now()
        event_id = uuid4()
        key = message.message_key()
        row: dict[str, Any] = {
            "event_id": event_id,
            "topic": message.topic,
            "message_key": key,
            "ce_type": message.ce_type,
            "headers": attribute_headers(message, source=self.source, event_id=event_id, time=now),
            "payload": message.__pydantic_serializer__.to_json(message),
            "traceparent": traceparent,
            "created_at": now,
        }
        size = record_size(row)
        if size > self.max_event_bytes:
            raise EventTooLarge(
                f"{message.ce_type} would be a {size}-byte record, over the "
                f"{self.max_event_bytes}-byte limit of the event bus; shorten the request"
            )
        return row

    async def copy_rows(self, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert many rows with one COPY, in this transaction: the bulk path for a batch
        handler. Every row has the keys of the first one; the columns they leave out take
        their server defaults (Python-side column defaults do not apply). JSON columns take
        the value as SQLAlchemy would store it."""
        if not rows:
            return
        keys = rows[0].keys()
        unknown = set(keys) - set(table.columns.keys())
        if unknown or any(row.keys() != keys for row in rows):
            raise ValueError(
                f"rows for {table.name} must have the same columns (unknown: {unknown})"
            )
        columns = [column.name for column in table.columns if column.name in keys]
        as_json = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, sa.JSON)]
        values = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
        records: list[tuple[Any, ...]] = []
        for row in rows:
            record = values(row)
            if as_json:
                record = list(record)
                for i in as_json:
                    record[i] = to_json(record[i]).decode()
            records.append(tuple(record))
        connection = await self.session.connection()
        driver: Any = (await connection.get_raw_connection()).driver_connection
        if not driver.is_in_transaction():
            # The driver opens the transaction at the first statement; a COPY first would
            # run outside it (and survive a rollback).
            await self.session.execute(sa.text("SELECT 1"))
        await driver.copy_records_to_table(table.name, columns=columns, records=records)

    async def record_received(
        self, consumer: str, event_id: str, ce_type: str, topic: str, partition: int, offset: int
    ) -> bool:
        """Record an incoming event in the inbox; False when it was processed before."""
        fresh = await self.record_received_many(
            consumer, [(event_id, ce_type, topic, partition, offset)]
        )
        return event_id in fresh

    async def record_received_many(
        self, consumer: str, events: list[tuple[str, str, str, int, int]]
    ) -> set[str]:
        """Record (event id, type, topic, partition, offset) rows in the inbox in one
        statement; returns the ids not processed before."""
        inserted = await self.session.execute(
            _RECORD_RECEIVED,
            {
                "consumer": consumer,
                "now": self.clock.now(),
                "ids": [event[0] for event in events],
                "types": [event[1] for event in events],
                "topics": [event[2] for event in events],
                "partitions": [event[3] for event in events],
                "offsets": [event[4] for event in events],
            },
        )
        return {row.event_id for row in inserted}


def with_actor(message: Message) -> Message:
    """The event with the API caller as its actor, when it has the field and none is set."""
    caller = current_caller()
    if caller is None or getattr(message, "actor", "") is not None:
        return message
    return message.model_copy(update={"actor": caller.subject})


# One statement text whatever the number of events (arrays unnested by the server), so it
# is compiled and prepared once rather than for every batch size.
_RECORD_RECEIVED = sa.text(
    'INSERT INTO inbox (consumer, event_id, ce_type, topic, partition, "offset", processed_at)'
    " SELECT :consumer, e.id, e.type, e.topic, e.part, e.off, :now FROM unnest("
    " CAST(:ids AS text[]), CAST(:types AS text[]), CAST(:topics AS text[]),"
    " CAST(:partitions AS int[]), CAST(:offsets AS bigint[])) AS e(id, type, topic, part, off)"
    " ON CONFLICT DO NOTHING RETURNING event_id"
)

UnitOfWorkFactory = Callable[[], Any]


def unit_of_work_factory(
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    source: str,
    max_event_bytes: int = MAX_EVENT_BYTES,
    on_commit: Callable[[Sequence[Message]], None] | None = None,
) -> Callable[[], Any]:
    """`async with uow() as u:` opens a transaction that commits when the block ends normally
    and rolls back on any exception. `on_commit` is given the events of each transaction
    that committed (the business counters count them)."""

    @asynccontextmanager
    async def open_unit_of_work() -> AsyncIterator[UnitOfWork]:
        async with sessions() as session, session.begin():
            unit = UnitOfWork(session, clock, source, max_event_bytes)
            yield unit
            await mark_effect_committed(session)
            if unit.emitted:
                # Delivered at commit: wakes the relay without polling.
                await session.execute(sa.select(sa.func.pg_notify(OUTBOX_CHANNEL, "")))
        if on_commit is not None and unit.emitted:
            on_commit(unit.emitted)

    return open_unit_of_work
