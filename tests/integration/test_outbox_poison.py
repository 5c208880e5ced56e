"""Poison rows in the outbox, on a real PostgreSQL and Kafka: a row the broker refuses for good
is parked with its error, rows of other keys go on, later rows of the same key wait behind it,
and `l2c outbox list|retry|skip` lets an operator act. Transient errors never park a row."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import NotEnoughReplicasError
from sqlalchemy.ext.asyncio import AsyncEngine

from l2c_platform.kafka_io import Record, read_topic
from l2c_platform.launcher import Infrastructure
from l2c_platform.testing import messaging_database
from l2c_runtime.clock import SystemClock
from l2c_runtime.db import session_factory
from l2c_runtime.kafka_client import kafka_client_options
from l2c_runtime.messaging_tables import outbox
from l2c_runtime.relay import OutboxRelay, RenewingPublisher, murmur2, relay_producer
from l2c_runtime.topics import ensure_topics
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas import LeadDisqualified

pytestmark = pytest.mark.integration
DATABASE = "l2c_test_outbox_poison"
L2C = str(Path(sys.executable).parent / "l2c")


@pytest.fixture
async def engine(infra: Infrastructure) -> AsyncIterator[AsyncEngine]:
    async with messaging_database(DATABASE) as engine:
        yield engine


def _url(infra: Infrastructure) -> str:
    return infra.pg_url.replace("postgresql://", "postgresql+asyncpg://") + f"/{DATABASE}"


@pytest.fixture
async def publisher(infra: Infrastructure) -> AsyncIterator[RenewingPublisher]:
    publisher = RenewingPublisher(lambda: relay_producer(infra.kafka_bootstrap, "test-relay"))
    await publisher.start()
    yield publisher
    await publisher.stop()


def _relay(engine: AsyncEngine, infra: Infrastructure, publisher: Any) -> OutboxRelay:
    dsn = f"{infra.pg_url}/{DATABASE}"
    return OutboxRelay(engine, dsn, publisher, SystemClock(), batch_size=50, publish_timeout=20)


async def _write(engine: AsyncEngine, topic: str, rows: list[tuple[UUID, int, int]]) -> list[int]:
    """One committed row per (lead, seq, padding bytes), addressed to `topic`, written directly
    (as a row that slipped past any emit-time check would be); returns their ids."""
    uow = unit_of_work_factory(session_factory(engine), SystemClock(), "/test")
    ids = []
    for lead, seq, padding in rows:
        async with uow() as unit:
            event = LeadDisqualified(
                lead_id=lead, score=seq, reason="below_threshold", disqualified_at=datetime.now(UTC)
            )
            row = unit.outbox_row(event, None) | {"topic": topic}
            if padding:
                body = json.loads(row["payload"]) | {"pad": "x" * padding}
                row["payload"] = json.dumps(body).encode()
            inserted = await unit.session.execute(
                sa.insert(outbox).values(**row).returning(outbox.c.id)
            )
            ids.append(inserted.scalar_one())
            unit.emitted.append(event)
    return ids


async def _drain(relay: OutboxRelay) -> int:
    settled = 0
    while (batch := await relay.publish_pending()) > 0:
        settled += batch
    return settled


async def _states(engine: AsyncEngine) -> dict[int, tuple[str, str | None, str | None]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.select(outbox.c.id, outbox.c.state, outbox.c.last_error, outbox.c.skip_reason)
        )
        return {row.id: (row.state, row.last_error, row.skip_reason) for row in rows}


def _scores(records: list[Record], lead: UUID) -> list[int]:
    """The lead's events in partition order, as a consumer that drops a copy of an event it
    has seen (inbox) handles them."""
    mine = sorted((r for r in records if r.key == str(lead).encode()), key=lambda r: r.offset)
    seen: dict[str, int] = {}
    for record in mine:
        seen.setdefault(record.headers["ce_id"], record.json()["score"])
    return list(seen.values())


async def _l2c(infra: Infrastructure, *args: str) -> tuple[int, str]:
    """The operator's command, as a process."""
    process = await asyncio.create_subprocess_exec(
        L2C,
        "outbox",
        *args,
        "--database",
        _url(infra),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def test_a_record_over_the_limit_is_parked_only_its_key_waits_and_skip_lets_it_flow(
    engine: AsyncEngine, infra: Infrastructure, publisher: RenewingPublisher
) -> None:
    topic = f"l2c.test.poison.{uuid4().hex[:8]}"
    await ensure_topics(infra.kafka_bootstrap, [topic], partitions=3)
    poisoned, other = uuid4(), uuid4()
    ids = await _write(
        engine,
        topic,
        [
            (poisoned, 0, 0),
            (other, 0, 0),
            (poisoned, 1, 1_100_000),  # over the broker's 1 MiB
            (other, 1, 0),
            (poisoned, 2, 0),
            (other, 2, 0),
        ],
    )
    relay = _relay(engine, infra, publisher)

    assert await _drain(relay) == 5  # four sent, one parked; the poisoned key's third waits
    records = await read_topic(infra.kafka_bootstrap, topic)
    assert _scores(records, other) == [0, 1, 2]
    assert _scores(records, poisoned) == [0]
    states = await _states(engine)
    assert states[ids[2]][0] == "parked" and "RecordTooLarge" in (states[ids[2]][1] or "")
    assert states[ids[4]][0] == "pending"  # behind the parked row
    assert await _drain(relay) == 0  # and it stays there

    code, listed = await _l2c(infra, "list", "x", "--json")
    assert code == 0, listed
    [parked] = json.loads(listed)
    assert (parked["id"], parked["message_key"], parked["waiting_behind"]) == (
        ids[2],
        str(poisoned),
        1,
    )
    assert parked["ce_type"] == LeadDisqualified.ce_type and parked["error"]

    code, out = await _l2c(infra, "skip", "x", str(ids[2]), "--reason", "reason field 1.1 MB")
    assert code == 0, out
    assert await _drain(relay) == 1
    records = await read_topic(infra.kafka_bootstrap, topic)
    assert _scores(records, poisoned) == [0, 2]
    states = await _states(engine)
    assert states[ids[2]] == ("skipped", states[ids[2]][1], "reason field 1.1 MB")
    assert {state for state, _, _ in states.values()} == {"sent", "skipped"}
    code, listed = await _l2c(infra, "list", "x", "--json")
    assert json.loads(listed) == []
    code, out = await _l2c(infra, "skip", "x", str(ids[2]), "--reason", "again")
    assert code == 1 and "no parked row" in out


async def test_a_record_the_broker_refuses_is_parked_and_retried_once_the_limit_is_raised(
    engine: AsyncEngine, infra: Infrastructure, publisher: RenewingPublisher
) -> None:
    """Under our own size check but over the topic's `max.message.bytes`: refused by the
    broker itself (non-retriable), which also breaks the producer's sequence for the
    partition; the relay replaces the producer and the other keys go on."""
    topic = f"l2c.test.poison.{uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap, **kafka_client_options())
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(topic, 2, 1, topic_configs={"max.message.bytes": "20000"})]
        )
        poisoned, other = _on_two_partitions()
        ids = await _write(
            engine,
            topic,
            [
                (poisoned, 0, 0),
                (poisoned, 1, 50_000),  # over the topic's 20 kB
                (other, 0, 0),
                (poisoned, 2, 0),
                (other, 1, 0),
            ],
        )
        relay = _relay(engine, infra, publisher)
        assert await _drain(relay) == 4
        states = await _states(engine)
        assert states[ids[1]][0] == "parked" and states[ids[3]][0] == "pending"
        records = await read_topic(infra.kafka_bootstrap, topic)
        assert (_scores(records, poisoned), _scores(records, other)) == ([0], [0, 1])
        # what the broker took of the first attempt (the other partition) was not sent again
        assert len([r for r in records if r.key == str(other).encode()]) == 2

        code, out = await _l2c(infra, "list", "x")
        assert code == 0 and str(ids[1]) in out and str(poisoned) in out

        # Retried before the cause is fixed: parked again, still nothing else of its key.
        code, out = await _l2c(infra, "retry", "x", "--all")
        assert code == 0 and f"{ids[1]}" in out, out
        await _drain(relay)
        assert (await _states(engine))[ids[1]][0] == "parked"

        await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic, {"max.message.bytes": "1048588"})]
        )
        await asyncio.sleep(1.0)  # the broker applies topic configs asynchronously
        code, out = await _l2c(infra, "retry", "x", str(ids[1]))
        assert code == 0, out
        assert await _drain(relay) == 2
    finally:
        await admin.close()
    records = await read_topic(infra.kafka_bootstrap, topic)
    assert _scores(records, poisoned) == [0, 1, 2]
    assert {state for state, _, _ in (await _states(engine)).values()} == {"sent"}


def _on_two_partitions() -> tuple[UUID, UUID]:
    """Two leads whose events go to different partitions of a 2-partition topic."""
    first = uuid4()
    while True:
        second = uuid4()
        if _partition(first) != _partition(second):
            return first, second


def _partition(lead: UUID) -> int:
    return (murmur2(str(lead).encode()) & 0x7FFFFFFF) % 2


async def test_transient_broker_errors_never_park_a_row(
    engine: AsyncEngine, infra: Infrastructure
) -> None:
    topic = f"l2c.test.poison.{uuid4().hex[:8]}"
    await _write(engine, topic, [(uuid4(), n, 0) for n in range(3)])
    attempts = 0

    async def no_replicas(records: Any) -> None:
        nonlocal attempts
        attempts += 1
        raise NotEnoughReplicasError()

    relay = _relay(engine, infra, no_replicas)
    for _ in range(3):
        with pytest.raises(NotEnoughReplicasError):
            await relay.publish_pending()
    assert attempts == 3  # the whole batch each time, never record by record
    assert {state for state, _, _ in (await _states(engine)).values()} == {"pending"}


async def test_the_cli_names_an_unknown_service(infra: Infrastructure) -> None:
    process = await asyncio.create_subprocess_exec(
        L2C, "outbox", "list", "nosuch", stderr=asyncio.subprocess.PIPE
    )
    _, err = await process.communicate()
    assert process.returncode == 2 and b"unknown service" in err
