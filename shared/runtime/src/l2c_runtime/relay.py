"""The outbox relay: publishes committed outbox rows to Kafka, in order per key, then marks them
sent; a row the broker refuses for good is parked, and only its key waits.

Woken by LISTEN/NOTIFY when a transaction commits events (the listening connection is
reopened, with back-off, whenever it drops), with a slow poll as a safety net.

**One publisher at a time.** Replicas share a lease (`l2c_runtime.lease`): the holder renews
it every third of `lease_seconds`; a holder that stops (SIGSTOP, a network cut) loses it
within `lease_seconds` and a waiting replica takes over. A batch is read in one short
transaction, published with no transaction open (within `publish_timeout`), and settled
(sent, parked) in another short transaction that first checks, row-locked, that this relay
still holds the lease's generation it read the batch under: a relay that was taken over
changes no row. Every transaction of the relay is ended by the server when the relay
falls silent in the middle of it for `lease_seconds`, so a stopped relay holds no row lock
that would keep the next one waiting.

**Why the order per key holds, even across a takeover.** A row is handed to the broker only
when each earlier row of its key (lower id) is either already acknowledged (it was marked
sent only after the broker's acknowledgement) or in the same batch ahead of it, on the same
partition and published in order by an idempotent producer. A parked row holds back every
later row of its key (they are not read) until an operator retries or skips it. So the first
copy of every event on its partition comes after a copy of each earlier event of its key. A
relay that stopped mid-batch may still deliver its copies later, but those are copies of
rows already published or about to be published again in order: duplicates, which consumers
drop by event id (inbox). Delivery is at least once, in commit order per key as consumers see
it.

Each record carries the `traceparent` its row was written with (the transaction that emitted
the event is where the message was created, as OpenTelemetry's messaging conventions put it),
so the consumer's span continues the lead's trace. The relay itself traces each batch it sends
as one producer span: a span per event cost a third of the relay's CPU.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import sqlalchemy as sa
from opentelemetry import trace
from pydantic_core import from_json
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine

from l2c_runtime import faults
from l2c_runtime.clock import Clock
from l2c_runtime.db import asyncpg_dsn
from l2c_runtime.lease import Lease, LeaseLost, bound_transaction
from l2c_runtime.messaging_tables import PARKED, PENDING, SENT, outbox
from l2c_runtime.metrics import ServiceMetrics, event_type_label
from l2c_runtime.publisher import (
    MAX_RECORD_BYTES,
    RELAY_BATCH_BYTES,
    BatchPublisher,
    KeyHashPartitioner,
    OutgoingRecord,
    PartlyPublished,
    Publish,
    RenewingPublisher,
    murmur2,
    refused_for_good,
    relay_producer,
    transient,
)
from l2c_runtime.settings import ServiceSettings
from l2c_runtime.telemetry import MAX_LINKS, TRACER, span_context_of, traceparent_of
from l2c_runtime.unit_of_work import OUTBOX_CHANNEL

# The publishing side lives in `l2c_runtime.publisher`; these names stay importable from here.
__all__ = [
    "MAX_RECORD_BYTES",
    "RELAY_BATCH_BYTES",
    "BatchPublisher",
    "KeyHashPartitioner",
    "OutboxRelay",
    "OutgoingRecord",
    "Publish",
    "RenewingPublisher",
    "murmur2",
    "relay_producer",
    "relay_with_publisher",
]

log = logging.getLogger(__name__)

RELAY_LEASE = "outbox-relay"
LISTEN_CHECK_SECONDS = 5.0
"""How often an idle LISTEN connection is checked (a cut network shows no error by itself)."""
MAX_BACKOFF_SECONDS = 10.0
RELEASE_SECONDS = 5.0
MAX_ERROR_CHARS = 2000

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
_parked = outbox.alias("parked")
# States as literals in the SQL, not parameters: a prepared statement's generic plan can use a
# partial index (`WHERE state = 'pending'`) only when its predicate is spelt out.
_IS_PENDING = outbox.c.state == sa.literal_column(f"'{PENDING}'")
_HELD_KEYS = (
    sa.select(_parked.c.message_key)
    .where(_parked.c.state == sa.literal_column(f"'{PARKED}'"))
    .where(_parked.c.message_key.is_not(None))
)


@dataclass
class _Outcome:
    """What became of a batch: rows acknowledged, rows parked (with why), and the failure
    that stopped it, if any (the rest stay pending)."""

    sent: list[int] = field(default_factory=list)
    parked: list[tuple[int, str]] = field(default_factory=list)
    failure: Exception | None = None


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        dsn: str,
        publish: Publish,
        clock: Clock,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        *,
        publish_timeout: float = 15.0,
        lease_seconds: float = 5.0,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self._engine = engine
        self.metrics = metrics or ServiceMetrics(process_collectors=False)
        self._dsn = dsn
        self._publish = publish
        self._clock = clock
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._publish_timeout = publish_timeout
        self.lease = Lease(engine, RELAY_LEASE, lease_seconds)
        self._wake = asyncio.Event()
        self._stopped = asyncio.Event()

    @property
    def stopping(self) -> bool:
        return self._stopped.is_set()

    async def run(self) -> None:
        """Relay until `stop`: the batch in hand is finished (or, one record at a time,
        abandoned) within about `publish_timeout`, then the lease is given up."""
        helpers = [
            asyncio.create_task(self._listen(), name="outbox-listen"),
            asyncio.create_task(self._keep_lease(), name="outbox-lease"),
        ]
        failures = 0
        try:
            while not self.stopping:
                try:
                    settled = await self.publish_pending()
                    failures = 0
                except Exception as exc:
                    # Broker or database away: keep the rows, try again after a back-off.
                    self.metrics.relay_failures.inc()
                    failures += 1
                    delay = min(self._poll_seconds * 2 ** (failures - 1), MAX_BACKOFF_SECONDS)
                    log.warning(
                        "outbox relay failed (%s); retrying in %.1fs",
                        _describe(exc),
                        delay,
                        exc_info=not transient(exc),
                    )
                    await self._sleep(delay)  # commits do not cut a back-off short
                    continue
                if settled == self._batch_size:
                    continue  # more are waiting
                if self.lease.generation is None:
                    # A standby: it tries for the lease again soon after it could expire,
                    # not at every commit.
                    await self._sleep(min(self._poll_seconds, self.lease.seconds / 3))
                    continue
                await self._pause(self._poll_seconds)
                self._wake.clear()
        finally:
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            try:
                await asyncio.wait_for(self.lease.release(), RELEASE_SECONDS)
            except Exception as exc:  # it expires by itself
                log.warning("outbox relay could not give its lease up: %s", _describe(exc))

    async def wait_stopping(self) -> None:
        await self._stopped.wait()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        """Sleep, cut short only by `stop`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), seconds)

    async def _pause(self, seconds: float) -> None:
        """Sleep, cut short by a NOTIFY of a commit or by `stop`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _keep_lease(self) -> None:
        """Renew the lease while it is held, also while a batch is being published."""
        while True:
            await asyncio.sleep(self.lease.seconds / 3)
            if self.lease.generation is None:
                continue
            try:
                await self.lease.claim()
            except Exception as exc:  # the database away: the lease runs out by itself
                log.warning("outbox relay could not renew its lease: %s", _describe(exc))

    async def _listen(self) -> None:
        """Keep a LISTEN connection open, reconnecting with back-off when it drops; each
        (re)connection wakes the relay, for the commits made while nobody listened."""
        delay = 0.2
        while True:
            lost = asyncio.Event()
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(self._dsn, timeout=10)
                conn.add_termination_listener(_setter(lost))
                await conn.add_listener(OUTBOX_CHANNEL, lambda *_: self._wake.set())
                self._wake.set()
                delay = 0.2
                while not lost.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), LISTEN_CHECK_SECONDS)
                    if not lost.is_set():
                        await conn.execute("SELECT 1", timeout=LISTEN_CHECK_SECONDS)
                log.warning("outbox relay's LISTEN connection dropped; reconnecting")
            except Exception as exc:  # whatever it was, listen again: the poll covers meanwhile
                log.warning("outbox relay cannot LISTEN (%s); polling meanwhile", _describe(exc))
            finally:
                if conn is not None:
                    conn.terminate()
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_SECONDS)

    async def publish_pending(self) -> int:
        """Publish one batch of pending rows in id order while holding the lease; returns how
        many rows were settled (sent or parked). Raises when a failure stopped the batch (the
        rows not settled stay pending)."""
        generation = await self.lease.hold()
        if generation is None:
            return 0  # another replica is relaying
        rows = await self._next_batch()
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
            outcome = await self._publish_batch(rows, records)
        try:
            await self._settle(generation, outcome)
        except LeaseLost as exc:
            # Taken over meanwhile: the new holder publishes these rows again (duplicates,
            # dropped by the consumers' inbox).
            log.warning("outbox relay was taken over: %s", exc)
            return 0
        self._count(rows, outcome)
        if outcome.failure is not None:
            raise outcome.failure
        return len(outcome.sent) + len(outcome.parked)

    def _count(self, rows: Sequence[Any], outcome: _Outcome) -> None:
        sent = set(outcome.sent)
        by_type = Counter(event_type_label(row.ce_type) for row in rows if row.id in sent)
        for event_type, n in by_type.items():
            self.metrics.relay_published.labels(event_type).inc(n)
        if outcome.parked:
            self.metrics.relay_parked.inc(len(outcome.parked))

    async def _next_batch(self) -> Sequence[Any]:
        """The oldest pending rows, but none of a key held up behind a parked row. Read in a
        transaction of its own, closed before publishing."""
        async with self._engine.begin() as conn:
            await bound_transaction(conn, self.lease.seconds)
            query = (
                sa.select(*_RELAYED)
                .where(_IS_PENDING)
                .where(
                    sa.or_(
                        outbox.c.message_key.is_(None),
                        outbox.c.message_key.not_in(_HELD_KEYS),
                    )
                )
                .order_by(outbox.c.id)
                .limit(self._batch_size)
            )
            return (await conn.execute(query)).all()

    async def _publish_batch(
        self, rows: Sequence[Any], records: Sequence[OutgoingRecord]
    ) -> _Outcome:
        try:
            started = time.perf_counter()
            await asyncio.wait_for(self._publish(records), self._publish_timeout)
            self.metrics.relay_publish_seconds.observe(time.perf_counter() - started)
            return _Outcome(sent=[row.id for row in rows])
        except Exception as exc:
            if not refused_for_good(exc):
                return _Outcome(failure=exc)
            published = exc.acknowledged if isinstance(exc, PartlyPublished) else frozenset()
            log.warning(
                "the broker refused a record of a batch of %d (%s); publishing the %d not"
                " acknowledged one at a time to park the refused ones",
                len(rows),
                _describe(exc),
                len(rows) - len(published),
            )
        outcome = await self._publish_one_by_one(
            [
                (row, record)
                for n, (row, record) in enumerate(zip(rows, records, strict=True))
                if n not in published
            ]
        )
        outcome.sent += [row.id for n, row in enumerate(rows) if n in published]
        return outcome

    async def _publish_one_by_one(self, batch: Sequence[tuple[Any, OutgoingRecord]]) -> _Outcome:
        """Each record on its own, in id order: a refused one is parked and the rest of its
        key in this batch is held back; the others go out."""
        outcome = _Outcome()
        held: set[str] = set()
        for row, record in batch:
            if self.stopping:
                break  # the rest stays pending for the next holder
            if row.message_key is not None and row.message_key in held:
                continue
            try:
                await asyncio.wait_for(self._publish([record]), self._publish_timeout)
            except Exception as exc:
                if not refused_for_good(exc):
                    outcome.failure = exc
                    break
                log.error("outbox row %s (%s) parked: %s", row.id, row.ce_type, _describe(exc))
                outcome.parked.append((row.id, _describe(exc)))
                if row.message_key is not None:
                    held.add(row.message_key)
                continue
            outcome.sent.append(row.id)
        return outcome

    async def _settle(self, generation: int, outcome: _Outcome) -> None:
        if not outcome.sent and not outcome.parked:
            return
        now = self._clock.now()
        async with self._engine.begin() as conn:
            await bound_transaction(conn, self.lease.seconds)
            await self.lease.fence(conn, generation)
            if outcome.sent:
                await conn.execute(
                    sa.update(outbox)
                    .where(outbox.c.id == sa.any_(sa.bindparam("ids", outcome.sent, _IDS)))
                    .where(_IS_PENDING)
                    .values(state=SENT, published_at=now, attempts=outbox.c.attempts + 1)
                )
            for row_id, error in outcome.parked:
                await conn.execute(
                    sa.update(outbox)
                    .where(outbox.c.id == row_id)
                    .where(_IS_PENDING)
                    .values(
                        state=PARKED,
                        parked_at=now,
                        last_error=error,
                        attempts=outbox.c.attempts + 1,
                    )
                )


def _setter(event: asyncio.Event) -> Callable[[Any], None]:
    return lambda _: event.set()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, PartlyPublished):
        exc = exc.cause
    name, text = type(exc).__name__, str(exc)
    text = text if name in text else f"{name}: {text}" if text else name
    return text[:MAX_ERROR_CHARS]


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
    engine: AsyncEngine,
    settings: ServiceSettings,
    clock: Clock,
    name: str,
    metrics: ServiceMetrics | None = None,
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
        publish_timeout=settings.relay_publish_timeout_seconds,
        lease_seconds=settings.relay_lease_seconds,
        metrics=metrics,
    )
    return relay, publisher
