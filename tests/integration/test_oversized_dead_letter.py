"""A dead letter too large for its dead-letter topic: the copy on `<topic>.dlq` keeps the
headers and a truncated body, the full record is kept in the service's `dead_letter` table,
and the consumer goes on with the next record (before, the refused copy failed the poll,
which was then read again, forever)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy.ext.asyncio import AsyncEngine

from l2c_platform.journey import eventually
from l2c_platform.kafka_io import publish, publish_message, read_topic, wait_for_records
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.testing import messaging_database
from l2c_runtime.consumer import ConsumedRecord
from l2c_runtime.dead_letters import TRUNCATED_BODY_BYTES, DeadLetters, stored_dead_letter
from l2c_runtime.kafka_client import kafka_client_options
from l2c_schemas import LeadSubmitted
from l2c_schemas.topics import LEAD_INTAKE, dead_letter_topic

BROKER_RECORD_LIMIT = 1_048_576  # the producer's max.request.size, near the broker's limit


def _ce_headers(event_id: str) -> list[tuple[str, bytes]]:
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", event_id.encode()),
        ("ce_type", LeadSubmitted.ce_type.encode()),
        ("ce_source", b"/test/import"),
        ("content-type", b"application/json"),
    ]


def _near_limit_body(marker: str) -> bytes:
    """A lead whose `full_name` breaks the schema's 200 characters, the record just under
    the broker's limit: the error headers of its dead-letter copy push it over."""
    lead = {"email": f"big+{marker[:8]}@example.com", "company": "Bulk", "external_id": marker}
    head = json.dumps(lead)[:-1].encode() + b', "full_name": "'
    return head + b"x" * (BROKER_RECORD_LIMIT - 400 - len(head)) + b'"}'


@pytest.mark.e2e
@pytest.mark.integration
async def test_a_near_limit_record_is_dead_lettered_truncated_and_kept_whole_in_the_database(
    platform: Platform, infra: Infrastructure
) -> None:
    marker = uuid4().hex
    key = marker.encode()
    body = _near_limit_body(marker)
    await publish(infra.kafka_bootstrap, LEAD_INTAKE, body, _ce_headers(f"big-{marker}"), key)
    good = LeadSubmitted(
        email=f"after+{marker[:8]}@example.com",
        full_name="After The Big One",
        company="Small Ltd",
        source="web_form",
        external_id=f"after-{marker}",
    )
    await publish_message(infra.kafka_bootstrap, good, source="/test/web-form")

    [dead] = await wait_for_records(
        infra.kafka_bootstrap, dead_letter_topic(LEAD_INTAKE), lambda r: r.key == key
    )
    headers = dead.headers
    assert headers["ce_id"] == f"big-{marker}"  # the original headers are kept
    assert headers["l2c_error_type"] == "InvalidMessage" and "full_name" in headers["l2c_error"]
    assert headers["l2c_consumer"] == "lead-svc-e2e"
    assert headers["l2c_body_truncated"] == "true"
    assert int(headers["l2c_body_bytes"]) == len(body)
    assert dead.value == body[:TRUNCATED_BODY_BYTES]

    conn = await asyncpg.connect(f"{infra.pg_url}/l2c_e2e_lead")
    try:
        stored = await conn.fetchrow(
            "SELECT * FROM dead_letter WHERE id = $1", int(headers["l2c_dead_letter_id"])
        )
        assert stored is not None
        assert stored["payload"] == body and stored["message_key"] == key
        assert stored["consumer"] == "lead-svc-e2e" and stored["error_type"] == "InvalidMessage"
        assert json.loads(stored["headers"])["ce_id"] == f"big-{marker}"

        # The consumer went on: the lead published after the big one was captured.
        async def captured() -> int | None:
            return (
                await conn.fetchval(
                    "SELECT count(*) FROM leads WHERE external_id = $1", f"after-{marker}"
                )
                or None
            )

        assert await eventually(captured, "the lead after the oversized one") == 1
    finally:
        await conn.close()


DATABASE = "l2c_test_dead_letters"


@pytest.fixture
async def engine(infra: Infrastructure) -> AsyncIterator[AsyncEngine]:
    async with messaging_database(DATABASE) as engine:
        yield engine


@pytest.mark.integration
async def test_a_copy_the_broker_refuses_is_stored_and_sent_truncated(
    infra: Infrastructure, engine: AsyncEngine
) -> None:
    """A dead-letter topic with a lower record limit than the consumer assumed: the broker's
    refusal is the cue to store the record and send the truncated copy."""
    topic = f"l2c.test.small.{uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap, **kafka_client_options())
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(topic, 1, 1),
                NewTopic(
                    dead_letter_topic(topic), 1, 1, topic_configs={"max.message.bytes": "100000"}
                ),
            ]
        )
    finally:
        await admin.close()
    producer = AIOKafkaProducer(
        bootstrap_servers=infra.kafka_bootstrap, acks="all", **kafka_client_options()
    )
    await producer.start()

    async def send(value: bytes, to: str, key: bytes | None, headers: dict[str, str]) -> None:
        await producer.send_and_wait(
            to, value, key=key, headers=[(k, v.encode()) for k, v in headers.items()]
        )

    body = b"y" * 300_000
    headers = [("ce_id", b"evt-41"), ("x-poison", b"nul\x00inside")]  # no NUL in PG text
    record = ConsumedRecord(topic, 0, 41, b"k-1", body, headers)
    dead_letters = DeadLetters("test-svc", send, engine, lambda: datetime.now(UTC), 1_000_000)
    try:
        await dead_letters(record, "RuleViolation", "no such account")
        await dead_letters(record, "RuleViolation", "no such account")  # redelivered
    finally:
        await producer.stop()

    copies = await read_topic(infra.kafka_bootstrap, dead_letter_topic(topic))
    assert len(copies) == 2
    assert {c.headers["l2c_dead_letter_id"] for c in copies} == {"1"}  # stored once
    assert all(c.value == body[:TRUNCATED_BODY_BYTES] for c in copies)
    assert copies[0].headers["ce_id"] == "evt-41"
    stored = await stored_dead_letter(engine, 1)
    assert stored is not None and stored["payload"] == body and stored["offset"] == 41
    assert stored["headers"]["x-poison"] == "nul\ufffdinside"


@pytest.mark.e2e
@pytest.mark.integration
async def test_an_event_type_no_one_knows_is_counted_by_the_consumer(
    platform: Platform, infra: Infrastructure
) -> None:
    ce_type = f"l2c.lead.LeadFromTheFuture{uuid4().hex[:6]}.v1"
    headers = [(k, v if k != "ce_type" else ce_type.encode()) for k, v in _ce_headers("x")]
    for n in range(2):
        await publish(infra.kafka_bootstrap, LEAD_INTAKE, b"{}", headers, key=str(n).encode())

    async with httpx.AsyncClient(base_url=platform.config.base_url("lead-svc")) as client:

        async def counted() -> int | None:
            passed = (await client.get("/health/consumer")).json()["passed_over"]
            return passed.get(ce_type) if passed.get(ce_type) == 2 else None

        assert await eventually(counted, "lead-svc to count the unknown events") == 2
