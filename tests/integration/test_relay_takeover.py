"""The relay when things stop, on a real PostgreSQL and Kafka: a relay paused (SIGSTOP) while it
holds the claim is taken over by another within seconds and every row is published at least
once in commit order per key; the LISTEN connection comes back after its backend is
terminated; a stopping relay gives up a batch the broker never acknowledges, holding no
transaction meanwhile."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from l2c_platform.journey import eventually
from l2c_platform.kafka_io import read_topic
from l2c_platform.launcher import Infrastructure
from l2c_platform.testing import messaging_database
from l2c_runtime.clock import SystemClock
from l2c_runtime.db import session_factory
from l2c_runtime.messaging_tables import lease, outbox
from l2c_runtime.relay import OutboxRelay, OutgoingRecord, RenewingPublisher, relay_producer
from l2c_runtime.topics import ensure_topics
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas import LeadDisqualified

pytestmark = pytest.mark.integration
DATABASE = "l2c_test_relay_takeover"


@pytest.fixture
async def engine(infra: Infrastructure) -> AsyncIterator[AsyncEngine]:
    async with messaging_database(DATABASE) as engine:
        yield engine


@pytest.fixture
async def topic(infra: Infrastructure) -> str:
    name = f"l2c.test.takeover.{uuid4().hex[:8]}"
    await ensure_topics(infra.kafka_bootstrap, [name], partitions=3)
    return name


def _url(infra: Infrastructure) -> str:
    return infra.pg_url.replace("postgresql://", "postgresql+asyncpg://") + f"/{DATABASE}"


class Writer:
    """Commits events of a few leads, one transaction each, every lead's scores counting up:
    the order a consumer must see them in."""

    def __init__(self, engine: AsyncEngine, topic: str, leads: int) -> None:
        self._uow = unit_of_work_factory(session_factory(engine), SystemClock(), "/test")
        self._topic = topic
        self.leads = [uuid4() for _ in range(leads)]
        self.written: dict[UUID, int] = dict.fromkeys(self.leads, 0)

    async def write(self, rounds: int, pause: float = 0.0) -> None:
        for _ in range(rounds):
            for lead in self.leads:
                async with self._uow() as unit:
                    event = LeadDisqualified(
                        lead_id=lead,
                        score=self.written[lead],
                        reason="below_threshold",
                        disqualified_at=datetime.now(UTC),
                    )
                    row = unit.outbox_row(event, None) | {"topic": self._topic}
                    await unit.session.execute(sa.insert(outbox).values(**row))
                    unit.emitted.append(event)
                self.written[lead] += 1
            await asyncio.sleep(pause)


async def _count(engine: AsyncEngine, *where: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(outbox).where(*where)))


async def _all_sent(engine: AsyncEngine) -> bool | None:
    return True if await _count(engine, outbox.c.state != "sent") == 0 else None


async def _holder(engine: AsyncEngine) -> tuple[str | None, int] | None:
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(lease.c.holder, lease.c.generation))).first()
    return None if row is None else (row.holder, row.generation)


async def _as_consumers_see_it(infra: Infrastructure, topic: str, writer: Writer) -> None:
    """Every committed event is on the topic, and each lead's events, their copies dropped
    (as the inbox does), come in the order they were committed."""
    records = await read_topic(infra.kafka_bootstrap, topic)
    for lead in writer.leads:
        mine = sorted((r for r in records if r.key == str(lead).encode()), key=lambda r: r.offset)
        assert len({r.partition for r in mine}) == 1
        first_copies: dict[str, int] = {}
        for record in mine:
            first_copies.setdefault(record.headers["ce_id"], record.json()["score"])
        assert list(first_copies.values()) == list(range(writer.written[lead]))


async def test_a_paused_relay_holding_the_claim_is_taken_over_and_no_event_is_lost_or_reordered(
    engine: AsyncEngine, infra: Infrastructure, topic: str, tmp_path: Path
) -> None:
    writer = Writer(engine, topic, leads=4)
    await writer.write(rounds=75)  # a backlog: the first relay is mid-batch when paused
    writing = asyncio.create_task(writer.write(rounds=40, pause=0.03))
    log_path = tmp_path / "relay-a.log"
    log = log_path.open("wb")
    first = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "l2c_runtime.relay_process",
        "lead_svc",
        env={
            **os.environ,
            "DATABASE_URL": _url(infra),
            "KAFKA_BOOTSTRAP": infra.kafka_bootstrap,
            "L2C_RELAY_POLL_SECONDS": "0.2",
            "L2C_RELAY_LEASE_SECONDS": "2",
            "L2C_RELAY_BATCH_SIZE": "10",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    publisher = RenewingPublisher(lambda: relay_producer(infra.kafka_bootstrap, "relay-b"))
    second = OutboxRelay(
        engine,
        f"{infra.pg_url}/{DATABASE}",
        publisher,
        SystemClock(),
        batch_size=20,
        poll_seconds=0.2,
        lease_seconds=2,
    )
    relaying: asyncio.Task[None] | None = None
    try:

        async def first_publishes() -> tuple[str | None, int] | None:
            return await _holder(engine) if await _count(engine, outbox.c.state == "sent") else None

        held_by_first, generation = await eventually(first_publishes, "the first relay to publish")
        assert held_by_first is not None and f":{first.pid}:" in held_by_first
        await publisher.start()
        relaying = asyncio.create_task(second.run())
        await asyncio.sleep(1.0)
        assert await _holder(engine) == (held_by_first, generation)  # a standby waits

        first.send_signal(signal.SIGSTOP)  # mid-stream, holding the claim

        async def taken_over() -> tuple[str | None, int] | None:
            holder = await _holder(engine)
            return holder if holder and holder[0] == second.lease.holder else None

        _, new_generation = await eventually(taken_over, "the second relay to take over", 30)
        assert new_generation > generation
        await writing
        await eventually(lambda: _all_sent(engine), "every row to be published")

        first.send_signal(signal.SIGCONT)  # back, it finds the claim taken and stands by
        await asyncio.sleep(3.0)
        await writer.write(rounds=5)
        await eventually(lambda: _all_sent(engine), "the later rows to be published")
        holder = await _holder(engine)
        assert holder is not None and holder[0] == second.lease.holder
    finally:
        writing.cancel()
        for signum in (signal.SIGCONT, signal.SIGTERM):
            if first.returncode is None:
                first.send_signal(signum)
        code = await asyncio.wait_for(first.wait(), 40)
        log.close()
        second.stop()
        if relaying is not None:
            await relaying
        await publisher.stop()
    assert code == 0, log_path.read_text()
    await _as_consumers_see_it(infra, topic, writer)
    assert await _count(engine) == 4 * 120


async def _listener_pid(infra: Infrastructure) -> int | None:
    conn = await asyncpg.connect(f"{infra.pg_url}/postgres")
    try:
        pid = await conn.fetchval(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'",
            DATABASE,
        )
    finally:
        await conn.close()
    return None if pid is None else int(pid)


async def test_the_relay_listens_again_after_its_connection_is_terminated(
    engine: AsyncEngine, infra: Infrastructure, topic: str
) -> None:
    publisher = RenewingPublisher(lambda: relay_producer(infra.kafka_bootstrap, "relay"))
    await publisher.start()
    # A 10-minute poll: within the test only a NOTIFY wakes it.
    relay = OutboxRelay(engine, f"{infra.pg_url}/{DATABASE}", publisher, SystemClock(), 50, 600)
    relaying = asyncio.create_task(relay.run())
    writer = Writer(engine, topic, leads=2)
    try:
        listening = await eventually(lambda: _listener_pid(infra), "the relay to LISTEN")
        await writer.write(rounds=1)
        await eventually(lambda: _all_sent(engine), "a commit to wake the relay")

        admin = await asyncpg.connect(f"{infra.pg_url}/postgres")
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", listening)
        await admin.close()

        async def listening_again() -> int | None:
            pid = await _listener_pid(infra)
            return pid if pid is not None and pid != listening else None

        await eventually(listening_again, "the relay to LISTEN again")
        await writer.write(rounds=1)
        await eventually(lambda: _all_sent(engine), "a later commit to wake the relay")
    finally:
        relay.stop()
        await relaying
        await publisher.stop()
    await _as_consumers_see_it(infra, topic, writer)


async def test_a_stopping_relay_gives_up_a_batch_the_broker_never_acknowledges(
    engine: AsyncEngine, infra: Infrastructure, topic: str
) -> None:
    """The broker hangs: the relay waits `publish_timeout` per attempt with no transaction
    open, and `stop` ends it with the rows still pending and the claim given up."""
    writer = Writer(engine, topic, leads=3)
    await writer.write(rounds=2)
    attempts: list[int] = []

    async def hangs(records: Sequence[OutgoingRecord]) -> None:
        attempts.append(len(records))
        await asyncio.Event().wait()

    relay = OutboxRelay(
        engine,
        f"{infra.pg_url}/{DATABASE}",
        hangs,
        SystemClock(),
        poll_seconds=0.1,
        publish_timeout=1.0,
    )
    relaying = asyncio.create_task(relay.run())
    admin = await asyncpg.connect(f"{infra.pg_url}/postgres")
    try:
        await eventually(lambda: _some(attempts), "the relay to publish")
        open_transactions = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1"
            " AND state LIKE 'idle in transaction%'",
            DATABASE,
        )
        assert open_transactions == 0
        await eventually(lambda: _some(attempts[1:]), "the relay to try again after a timeout")
    finally:
        relay.stop()
        await asyncio.wait_for(relaying, 30)  # a guard against a hang, not a timing check
        await admin.close()
    assert attempts[0] == 6
    assert await _count(engine, outbox.c.state == "pending") == 6
    holder = await _holder(engine)
    assert holder is not None and holder[0] is None  # given up, not left to expire


async def _some(items: Sequence[Any]) -> bool | None:
    return True if items else None
