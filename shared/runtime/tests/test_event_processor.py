"""The consumer's decisions, with an in-memory unit of work: what is retried, what is
dead-lettered, what is skipped. Delivery itself is proven on a real broker (tests/integration)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.exc import OperationalError

from l2c_runtime import consumer as consumer_module
from l2c_runtime.consumer import (
    ConsumedRecord,
    Delivery,
    EventHandlers,
    EventProcessor,
    backoff_seconds,
)
from l2c_runtime.errors import RuleViolation
from l2c_runtime.telemetry import current_traceparent
from l2c_schemas import LeadDisqualified
from l2c_schemas.envelope import encode
from l2c_schemas.topics import LEAD_EVENTS, PAYMENTS_INBOUND

EVENT = LeadDisqualified(
    lead_id=uuid4(), score=10, reason="below_threshold", disqualified_at="2026-11-26T10:00:00Z"
)


class FakeUnitOfWork:
    def __init__(self, seen: set[str]) -> None:
        self.seen = seen

    async def record_received_many(self, consumer: str, events: list[Any]) -> set[str]:
        fresh = {event[0] for event in events} - self.seen
        self.seen.update(fresh)
        return fresh


class Harness:
    def __init__(self, handler: Any) -> None:
        self.seen: set[str] = set()
        self.dead: list[tuple[str, str]] = []
        self.calls = 0
        handlers = EventHandlers()

        @handlers.on(LeadDisqualified)
        async def handle(event: LeadDisqualified, uow: Any, ce: Any) -> None:
            self.calls += 1
            await handler(self.calls)

        @asynccontextmanager
        async def unit_of_work() -> AsyncIterator[FakeUnitOfWork]:
            snapshot = set(self.seen)
            try:
                yield FakeUnitOfWork(self.seen)
            except BaseException:
                self.seen.clear()
                self.seen.update(snapshot)  # rolled back: the inbox row goes too
                raise

        async def dead_letter(record: ConsumedRecord, kind: str, reason: str) -> None:
            self.dead.append((kind, reason))

        self.processor = EventProcessor("test", handlers, unit_of_work, dead_letter)

    async def deliver(
        self, value: bytes | None = None, headers: Any = None, topic: str | None = None
    ) -> None:
        record = encode(EVENT, source="/test", event_id=EVENT_ID)
        await self.processor.process(
            ConsumedRecord(
                topic or record.topic,
                0,
                0,
                record.key,
                value or record.value,
                record.headers if headers is None else headers,
            )
        )


EVENT_ID = uuid4()


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    async def instant(_: float) -> None:
        return None

    monkeypatch.setattr("l2c_runtime.consumer.asyncio.sleep", instant)


async def _ok(_: int) -> None:
    return None


async def test_an_event_is_handled_once_and_its_redelivery_is_skipped() -> None:
    harness = Harness(_ok)
    await harness.deliver()
    await harness.deliver()
    assert harness.calls == 1
    assert harness.dead == []


async def test_a_transient_database_failure_is_retried_until_it_succeeds() -> None:
    async def flaky(call: int) -> None:
        if call <= 7:  # more attempts than any give-up limit: transient errors never give up
            raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    harness = Harness(flaky)
    await harness.deliver()
    assert harness.calls == 8
    assert harness.dead == []


async def test_transient_failures_do_not_use_up_the_dead_letter_budget() -> None:
    budget = consumer_module.MAX_ATTEMPTS_FOR_UNKNOWN_ERRORS

    async def contended_then_buggy(call: int) -> None:
        if call <= 2 * budget:  # deadlock victims, more often than the budget
            raise asyncpg.exceptions.DeadlockDetectedError("deadlock detected")
        if call < 3 * budget:  # then one unknown failure fewer than the budget
            raise KeyError("flaky")

    harness = Harness(contended_then_buggy)
    await harness.deliver()
    assert harness.calls == 3 * budget
    assert harness.dead == []


async def test_a_rule_violation_goes_to_the_dead_letter_topic_at_once() -> None:
    async def refuse(_: int) -> None:
        raise RuleViolation("no opportunity 42")

    harness = Harness(refuse)
    await harness.deliver()
    assert harness.calls == 1
    assert harness.dead == [("RuleViolation", "no opportunity 42")]
    assert harness.seen == set()  # nothing half-written: the inbox row was rolled back


async def test_an_unexpected_error_is_dead_lettered_after_a_few_attempts() -> None:
    async def broken(_: int) -> None:
        raise KeyError("bug")

    harness = Harness(broken)
    await harness.deliver()
    assert harness.calls == consumer_module.MAX_ATTEMPTS_FOR_UNKNOWN_ERRORS
    assert harness.dead[0][0] == "KeyError"


async def test_a_schema_invalid_body_is_dead_lettered_with_the_field() -> None:
    harness = Harness(_ok)
    await harness.deliver(value=b'{"lead_id": "not-a-uuid"}')
    assert harness.calls == 0
    kind, reason = harness.dead[0]
    assert kind == "InvalidMessage" and "lead_id" in reason


async def test_records_of_types_this_service_does_not_handle_are_passed_over() -> None:
    harness = Harness(_ok)
    headers = [
        (k, v if k != "ce_type" else b"l2c.lead.LeadCaptured.v1")
        for k, v in encode(EVENT, source="/test").headers
    ]
    await harness.deliver(headers=headers)
    assert (harness.calls, harness.dead) == (0, [])


async def test_an_event_on_a_topic_it_does_not_belong_on_is_dead_lettered_unhandled() -> None:
    harness = Harness(_ok)
    await harness.deliver(topic=PAYMENTS_INBOUND)
    assert harness.calls == 0
    assert harness.seen == set()
    assert harness.dead == [
        (
            "WrongTopic",
            f"{LeadDisqualified.ce_type} belongs on {LEAD_EVENTS}, not on {PAYMENTS_INBOUND}",
        )
    ]


def _typed(ce_type: bytes) -> list[tuple[str, bytes]]:
    return [(k, v if k != "ce_type" else ce_type) for k, v in encode(EVENT, source="/test").headers]


async def test_an_unknown_type_of_another_context_is_dead_lettered_its_own_passed_over() -> None:
    harness = Harness(_ok)
    await harness.deliver(headers=_typed(b"l2c.billing.SomethingNew.v1"))
    assert harness.calls == 0
    assert harness.dead == [
        (
            "WrongTopic",
            f"l2c.billing.SomethingNew.v1 is not an event of lead and may not be on {LEAD_EVENTS}",
        )
    ]
    harness.dead.clear()
    await harness.deliver(headers=_typed(b"l2c.lead.SomethingNew.v1"))  # a newer lead event
    assert (harness.calls, harness.dead) == (0, [])


async def test_an_unknown_event_type_is_counted_and_logged_once_per_type(
    caplog: pytest.LogCaptureFixture,
) -> None:
    harness = Harness(_ok)
    headers = encode(EVENT, source="/test").headers
    unknown = [(k, v if k != "ce_type" else b"l2c.lead.LeadTeleported.v9") for k, v in headers]
    known = [(k, v if k != "ce_type" else b"l2c.lead.LeadCaptured.v1") for k, v in headers]
    with caplog.at_level(logging.INFO, logger="l2c_runtime.consumer"):
        for _ in range(3):
            await harness.deliver(headers=unknown)
        await harness.deliver(headers=known)
        await harness.deliver(headers=known)
    assert (harness.calls, harness.dead) == (0, [])
    assert harness.processor.passed_over == {
        "l2c.lead.LeadTeleported.v9": 3,
        "l2c.lead.LeadCaptured.v1": 2,
    }
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "LeadTeleported" in warnings[0].getMessage()
    infos = [r for r in caplog.records if "LeadCaptured" in r.getMessage()]
    assert len(infos) == 1 and infos[0].levelno == logging.INFO


def test_back_off_doubles_up_to_a_cap() -> None:
    assert [backoff_seconds(n) for n in range(3)] == [0.2, 0.4, 0.8]
    assert backoff_seconds(20) == 10.0


async def test_one_bad_record_in_a_batch_is_dead_lettered_and_the_others_are_handled() -> None:
    events = [
        LeadDisqualified(
            lead_id=uuid4(),
            score=n,
            reason="below_threshold",
            disqualified_at=EVENT.disqualified_at,
        )
        for n in range(3)
    ]

    harness = Harness(_ok)
    handled: list[int] = []

    async def handle(event: LeadDisqualified, uow: Any, ce: Any) -> None:
        if event.score == 1:
            raise RuleViolation("score 1 is refused")
        handled.append(event.score)

    harness.processor._handlers.on(LeadDisqualified)(handle)
    records = []
    for n, event in enumerate(events):
        record = encode(event, source="/test")
        records.append(ConsumedRecord(record.topic, 0, n, record.key, record.value, record.headers))
    await harness.processor.process_batch(records)

    assert harness.dead == [("RuleViolation", "score 1 is refused")]
    assert len(harness.seen) == 2  # the two good ones are recorded as processed, once each
    assert handled[-2:] == [0, 2]  # after the failed batch rolled back, one by one


def _disqualified(score: int) -> LeadDisqualified:
    return LeadDisqualified(
        lead_id=uuid4(),
        score=score,
        reason="below_threshold",
        disqualified_at=EVENT.disqualified_at,
    )


def _records(events: list[Any], traceparent: str | None = None) -> list[ConsumedRecord]:
    records = []
    for n, event in enumerate(events):
        record = encode(event, source="/test")
        headers = list(record.headers)
        if traceparent is not None:
            headers.append(("traceparent", traceparent.encode()))
        records.append(ConsumedRecord(record.topic, 0, n, record.key, record.value, headers))
    return records


async def test_a_batch_handler_gets_a_run_of_fresh_events_in_one_call_in_offset_order() -> None:
    harness = Harness(_ok)
    calls: list[list[int]] = []

    async def handle_many(deliveries: Sequence[Delivery[LeadDisqualified]], uow: Any) -> None:
        calls.append([d.message.score for d in deliveries])

    harness.processor._handlers.on_batch(LeadDisqualified)(handle_many)
    records = _records([_disqualified(n) for n in range(4)])
    await harness.processor.process_batch([records[0], records[1]])
    await harness.processor.process_batch(records)  # 0 and 1 again: duplicates, left out

    assert calls == [[0, 1], [2, 3]]
    assert harness.dead == []


async def test_a_failing_batch_is_handled_again_one_event_at_a_time() -> None:
    harness = Harness(_ok)
    calls: list[list[int]] = []

    async def handle_many(deliveries: Sequence[Delivery[LeadDisqualified]], uow: Any) -> None:
        scores = [d.message.score for d in deliveries]
        calls.append(scores)
        if 1 in scores:
            raise RuleViolation("score 1 is refused")

    harness.processor._handlers.on_batch(LeadDisqualified)(handle_many)
    await harness.processor.process_batch(_records([_disqualified(n) for n in range(3)]))

    assert calls == [[0, 1, 2], [0], [1], [2]]
    assert harness.dead == [("RuleViolation", "score 1 is refused")]
    assert len(harness.seen) == 2  # the inbox holds the two good events only


async def test_a_delivery_is_handled_in_a_span_of_the_trace_its_record_carries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exported = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exported))
    monkeypatch.setattr(consumer_module, "TRACER", provider.get_tracer("test"))
    harness = Harness(_ok)
    traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    inside: list[str | None] = []

    async def handle_many(deliveries: Sequence[Delivery[LeadDisqualified]], uow: Any) -> None:
        for delivery in deliveries:
            with delivery.handling_span() as span:
                span.set_attribute("l2c.note", "set by the handler")
                inside.append(current_traceparent())

    harness.processor._handlers.on_batch(LeadDisqualified)(handle_many)
    await harness.processor.process_batch(_records([_disqualified(0)], traceparent))

    (span,) = [s for s in exported.get_finished_spans() if not s.name.endswith("batch")]
    assert span.name == f"{LeadDisqualified.ce_type} handle"
    assert span.parent is not None and format(span.parent.span_id, "016x") == "b7ad6b7169203331"
    assert format(span.context.trace_id, "032x") == "0af7651916cd43dd8448eb211c80319c"
    assert span.attributes is not None and span.attributes["l2c.note"] == "set by the handler"
    # events emitted inside carry the handling span's context on
    assert inside == [f"00-0af7651916cd43dd8448eb211c80319c-{span.context.span_id:016x}-01"]
    assert current_traceparent() is None  # the record's context does not leak out


async def test_a_batch_handler_with_idempotent_writes_gets_redeliveries_and_no_inbox_rows() -> None:
    harness = Harness(_ok)
    calls: list[list[int]] = []

    async def handle_many(deliveries: Sequence[Delivery[LeadDisqualified]], uow: Any) -> None:
        calls.append([d.message.score for d in deliveries])

    harness.processor._handlers.on_batch(LeadDisqualified, idempotent_writes=True)(handle_many)
    records = _records([_disqualified(n) for n in range(2)])
    await harness.processor.process_batch(records)
    await harness.processor.process_batch(records)  # redelivered: the handler decides

    assert calls == [[0, 1], [0, 1]]
    assert harness.seen == set()
