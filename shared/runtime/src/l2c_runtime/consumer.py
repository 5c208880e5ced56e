"""Event consumption, the same in every service: parse, de-duplicate, handle, commit.

For each record: read the CloudEvents attributes, check that its type may be on the topic it
came from, and validate the body (a record that cannot be parsed or is on the wrong topic goes
to `<topic>.dlq`); record the event id in the inbox and run the handler in ONE
transaction (a duplicate is skipped); only then commit the offset. A poll's records share one
transaction; a handler registered with `on_batch` receives consecutive records of its event
type together, so it can read and write them set-wise (one statement for the whole run).
Transient failures (database or broker away) are retried with back-off for as long as it
takes; a rule violation, or a failure that persists through several attempts, sends the
record to the dead-letter topic.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from l2c_runtime import faults
from l2c_runtime.errors import RuleViolation, is_transient
from l2c_runtime.metrics import ServiceMetrics, event_type_label
from l2c_runtime.telemetry import MAX_LINKS, TRACER, context_from_traceparent
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import MESSAGE_TYPES
from l2c_schemas.base import JourneyEvent, Message
from l2c_schemas.envelope import CloudEvent, InvalidMessage, decode_as, read_attributes
from l2c_schemas.registry import misplaced
from l2c_schemas.topics import dead_letter_topic

log = logging.getLogger(__name__)
_propagator = TraceContextTextMapPropagator()
M = TypeVar("M", bound=Message)

Handler = Callable[[M, UnitOfWork, CloudEvent], Awaitable[None]]


MAX_ATTEMPTS_FOR_UNKNOWN_ERRORS = 5
"""The dead-letter budget: how often an event may fail with an error that is neither a rule
violation nor transient (see `l2c_runtime.errors.is_transient`) before it is dead-lettered."""


def backoff_seconds(attempt: int, base: float = 0.2, cap: float = 10.0) -> float:
    """Exponential back-off: 0.2 s, 0.4 s, 0.8 s … at most `cap`."""
    return float(min(cap, base * 2 ** min(attempt, 16)))


def jittered(delay: float) -> float:
    """The delay stretched by up to a half at random, so two transactions that just lost a
    serialization or deadlock race to each other do not retry in the same instant again."""
    return delay * (1.0 + random.random() / 2)


class ConsumedRecord(NamedTuple):
    """One record as polled (a named tuple: one is built per consumed record, and a frozen
    dataclass costs several times as much to build)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    def trace_carrier(self) -> dict[str, str]:
        """The producer's W3C trace context carried in the record's headers."""
        return {
            name: raw.decode(errors="replace")
            for name, raw in self.headers
            if name in ("traceparent", "tracestate")
        }


class Delivery(NamedTuple, Generic[M]):
    """One fresh (not a duplicate) event handed to a batch handler."""

    message: M
    event: CloudEvent
    record: ConsumedRecord

    @contextmanager
    def handling_span(self) -> Iterator[trace.Span]:
        """A span for handling this event inside its batch, child of the producer's context
        the record carries: the events emitted inside carry this journey's trace on, though
        the event was handled with others. The handler may add attributes to it (e.g. the id
        of the lead it created)."""
        with _handling_span(self.record, self.event, self.message) as span:
            yield span


BatchHandler = Callable[[Sequence[Delivery[M]], UnitOfWork], Awaitable[None]]


@dataclass(frozen=True)
class _Route(Generic[M]):
    model: type[M]
    handler: Handler[M] | None = None
    batch_handler: BatchHandler[M] | None = None
    inbox: bool = True

    async def handle_one(self, message: M, uow: UnitOfWork, event: CloudEvent) -> None:
        if self.handler is None:
            raise TypeError(f"no single-event handler for {event.type}")
        await self.handler(message, uow, event)


class EventHandlers:
    """The events a service reacts to, each with its handler."""

    def __init__(self) -> None:
        self._routes: dict[str, _Route[Any]] = {}

    def on(self, model: type[M]) -> Callable[[Handler[M]], Handler[M]]:
        def register(handler: Handler[M]) -> Handler[M]:
            self._routes[model.ce_type] = _Route(model, handler=handler)
            return handler

        return register

    def on_batch(
        self, model: type[M], *, idempotent_writes: bool = False
    ) -> Callable[[BatchHandler[M]], BatchHandler[M]]:
        """Register a handler that receives a run of consecutive events of this type from one
        poll (in offset order, duplicates already removed) in the poll's transaction. If it
        raises, each event is handled again alone (a list of one) with its own retries and
        dead letter, so a bad event cannot hold up the others.

        `idempotent_writes`: the handler's writes are idempotent by a key of the event's own
        (e.g. an INSERT … ON CONFLICT DO NOTHING on a usage event id), so a redelivery
        changes nothing without the inbox: its events are not recorded there (half the rows
        of a high-volume ingestion), and duplicates reach the handler."""

        def register(handler: BatchHandler[M]) -> BatchHandler[M]:
            route = _Route(model, batch_handler=handler, inbox=not idempotent_writes)
            self._routes[model.ce_type] = route
            return handler

        return register

    @property
    def topics(self) -> list[str]:
        return sorted({route.model.topic for route in self._routes.values()})

    def route(self, ce_type: str) -> _Route[Any] | None:
        return self._routes.get(ce_type)


DeadLetter = Callable[[ConsumedRecord, str, str], Awaitable[None]]
"""Publishes a record to its dead-letter topic with (error type, reason)."""


class EventProcessor:
    """Processes one consumed record to completion. Returning means: commit the offset."""

    def __init__(
        self,
        consumer_name: str,
        handlers: EventHandlers,
        unit_of_work: Callable[[], Any],
        dead_letter: DeadLetter,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self._name = consumer_name
        self._handlers = handlers
        self._uow = unit_of_work
        self._send_dead_letter = dead_letter
        self.metrics = metrics or ServiceMetrics(process_collectors=False)
        self.passed_over: Counter[str] = Counter()
        """Events not handled here, by type: on a shared topic most are other consumers'
        (known types); an unknown type is a producer newer than this consumer, or a
        mistake."""

    def _pass_over(self, ce_type: str, topic: str) -> None:
        """Count an event this consumer does not handle; say so once per type."""
        self.passed_over[ce_type] += 1
        self.metrics.events_passed_over.labels(event_type_label(ce_type)).inc()
        if self.passed_over[ce_type] > 1:
            return
        if ce_type in MESSAGE_TYPES:
            log.info("%s does not handle %s (on %s); passed over", self._name, ce_type, topic)
        else:
            log.warning(
                "unknown event type %s on %s: %s passes over such events (logged once, "
                "counted in passed_over)",
                ce_type,
                topic,
                self._name,
            )

    async def _dead_letter(self, record: ConsumedRecord, error_type: str, reason: str) -> None:
        await self._send_dead_letter(record, error_type, reason)
        event_type = event_type_label(_header(record, "ce_type"))
        self.metrics.events_dead_lettered.labels(record.topic, event_type, error_type).inc()

    async def process(self, record: ConsumedRecord) -> None:
        await self.process_batch([record])

    async def process_batch(self, records: Sequence[ConsumedRecord]) -> None:
        """Handle the records of one poll in ONE transaction (one inbox insert, one commit);
        if that fails, handle them one by one, each with its own retries and dead letter."""
        work = [item for record in records if (item := await self._parse(record)) is not None]
        if len(work) == 1:
            await self._handle_with_retries(work[0])
        elif work:
            try:
                await self._handle_together(work)
            except Exception as exc:
                log.info("batch of %d failed (%s); handling one by one", len(work), exc)
                for item in work:
                    await self._handle_with_retries(item)
        faults.crash_point(faults.AFTER_HANDLER_BEFORE_OFFSET_COMMIT, (w.event.type for w in work))

    async def _parse(self, record: ConsumedRecord) -> _Work | None:
        """The record's event and handler; None when it is not ours or was dead-lettered."""
        try:
            event = read_attributes(record.headers)
        except InvalidMessage as exc:
            await self._dead_letter(record, "InvalidMessage", str(exc))
            return None
        wrong_topic = misplaced(event.type, record.topic)
        if wrong_topic is not None:
            await self._dead_letter(record, "WrongTopic", wrong_topic)
            return None
        route = self._handlers.route(event.type)
        if route is None:
            self._pass_over(event.type, record.topic)
            return None
        try:
            message = decode_as(route.model, record.value)
        except InvalidMessage as exc:
            await self._dead_letter(record, "InvalidMessage", str(exc))
            return None
        return _Work(record, event, route, message)

    async def _handle_with_retries(self, item: _Work) -> None:
        attempt = 0
        failures = 0  # the non-transient ones: only these count toward the dead-letter budget
        while True:
            try:
                await self._handle_together([item])
                return
            except RuleViolation as exc:
                self._count_failure(item, exc)
                await self._dead_letter(item.record, "RuleViolation", str(exc))
                return
            except Exception as exc:
                self._count_failure(item, exc)
                transient = is_transient(exc)
                if not transient:
                    failures += 1
                if failures >= MAX_ATTEMPTS_FOR_UNKNOWN_ERRORS:
                    log.exception("giving up on %s %s", item.event.type, item.event.id)
                    await self._dead_letter(item.record, type(exc).__name__, str(exc)[:2000])
                    return
                delay = jittered(backoff_seconds(attempt))
                log.warning(
                    "handling %s %s failed (%s%s); retry in %.1fs",
                    item.event.type,
                    item.event.id,
                    "transient: " if transient else "",
                    exc,
                    delay,
                )
                await asyncio.sleep(delay)
                attempt += 1

    def _count_failure(self, item: _Work, exc: Exception) -> None:
        event_type = event_type_label(item.event.type)
        self.metrics.handling_failures.labels(event_type, type(exc).__name__).inc()

    async def _handle_together(self, work: Sequence[_Work]) -> None:
        handled: Counter[str] = Counter()
        duplicates: Counter[str] = Counter()
        async with self._uow() as uow:
            inboxed = [
                (w.event.id, w.event.type, w.record.topic, w.record.partition, w.record.offset)
                for w in work
                if w.route.inbox
            ]
            fresh = await uow.record_received_many(self._name, inboxed) if inboxed else set()
            todo = []
            for item in work:
                if item.route.inbox:
                    if item.event.id not in fresh:
                        log.info("duplicate %s %s skipped", item.event.type, item.event.id)
                        duplicates[item.event.type] += 1
                        continue
                    fresh.discard(item.event.id)  # the same id twice in one batch: once
                todo.append(item)
            timing = self.metrics.handler_seconds
            for route, run in itertools.groupby(todo, key=lambda w: w.route):
                latency = timing.labels(route.model.ce_type)
                if route.batch_handler is not None:
                    items = list(run)
                    started = time.perf_counter()
                    with _batch_span(items):
                        await route.batch_handler(
                            [Delivery(w.message, w.event, w.record) for w in items], uow
                        )
                    latency.observe(time.perf_counter() - started)
                    handled[route.model.ce_type] += len(items)
                    continue
                for item in run:
                    started = time.perf_counter()
                    with _handling_span(item.record, item.event, item.message):
                        await route.handle_one(item.message, uow, item.event)
                    latency.observe(time.perf_counter() - started)
                    handled[route.model.ce_type] += 1
        # committed: only now do they count
        for ce_type, n in handled.items():
            self.metrics.events_handled.labels(ce_type).inc(n)
        for ce_type, n in duplicates.items():
            self.metrics.events_duplicate.labels(ce_type).inc(n)


def _header(record: ConsumedRecord, name: str) -> str | None:
    for header, raw in record.headers:
        if header == name:
            return raw.decode(errors="replace")
    return None


class _Work(NamedTuple):
    record: ConsumedRecord
    event: CloudEvent
    route: _Route[Any]
    message: Message


def _handling_span(record: ConsumedRecord, event: CloudEvent, message: Message) -> Any:
    """A span for handling one record, child of the producer's span carried in its headers,
    so each record continues its own journey's trace even when handled in a batch."""
    attributes = {"l2c.event_id": event.id, "l2c.event_type": event.type}
    if isinstance(message, JourneyEvent):
        attributes["l2c.lead_id"] = str(message.lead_id)
    return TRACER.start_as_current_span(
        f"{event.type} handle",
        context=_producer_context(record),
        kind=trace.SpanKind.CONSUMER,
        attributes=attributes,
    )


def _producer_context(record: ConsumedRecord) -> otel_context.Context | None:
    """The trace context a record carries (a bare traceparent, as L2C's relay writes it, is
    parsed directly; with a tracestate, by OpenTelemetry's propagator)."""
    carrier = record.trace_carrier()
    if not carrier:
        return None
    if len(carrier) == 1 and "traceparent" in carrier:
        # a malformed one starts a new trace, as with the propagator
        return context_from_traceparent(carrier["traceparent"]) or otel_context.Context()
    return _propagator.extract(carrier)


def _batch_span(items: Sequence[_Work]) -> Any:
    """One span for a run of records handled together, linked to the producer spans of its
    first records (each record's own journey continues in `Delivery.handling_span`)."""
    links = []
    for item in items[:MAX_LINKS]:
        context = _producer_context(item.record)
        if context is not None:
            span_context = trace.get_current_span(context).get_span_context()
            if span_context.is_valid:
                links.append(trace.Link(span_context))
    return TRACER.start_as_current_span(
        f"{items[0].event.type} handle batch",
        kind=trace.SpanKind.CONSUMER,
        links=links,
        attributes={"l2c.event_type": items[0].event.type, "l2c.batch_size": len(items)},
    )


MAX_REASON_CHARS = 4000
"""A dead letter's `l2c_error` is cut to this length: a reason may quote the input."""


def dead_letter_headers(
    record: ConsumedRecord, error_type: str, reason: str, consumer: str
) -> dict[str, str]:
    """The record's own headers plus why and where it failed, and which consumer gave up."""
    headers = {}
    for name, raw in record.headers:
        try:
            headers[name] = raw.decode()
        except UnicodeDecodeError:
            continue
    headers.update(
        {
            "l2c_error_type": error_type,
            "l2c_error": reason[:MAX_REASON_CHARS],
            "l2c_original_topic": record.topic,
            "l2c_original_partition": str(record.partition),
            "l2c_original_offset": str(record.offset),
            "l2c_consumer": consumer,
        }
    )
    return headers


__all__ = [
    "BatchHandler",
    "ConsumedRecord",
    "Delivery",
    "EventHandlers",
    "EventProcessor",
    "RuleViolation",
    "backoff_seconds",
    "dead_letter_headers",
    "dead_letter_topic",
    "is_transient",
]
