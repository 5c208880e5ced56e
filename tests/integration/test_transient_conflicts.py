"""A handler that loses a serialization or deadlock race on a real PostgreSQL is run again
until it wins: the event is handled once, nothing is dead-lettered, however often it lost."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from uuid import uuid4

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from l2c_platform.launcher import Infrastructure
from l2c_runtime import consumer as consumer_module
from l2c_runtime.clock import SystemClock
from l2c_runtime.consumer import ConsumedRecord, EventHandlers, EventProcessor
from l2c_runtime.db import session_factory
from l2c_runtime.messaging_tables import inbox, messaging_metadata
from l2c_runtime.unit_of_work import UnitOfWork, unit_of_work_factory
from l2c_schemas import LeadDisqualified
from l2c_schemas.envelope import CloudEvent, encode

pytestmark = pytest.mark.integration
DATABASE = "l2c_test_conflicts"
LOSSES = consumer_module.MAX_ATTEMPTS_FOR_UNKNOWN_ERRORS + 1  # more than the budget


@pytest.fixture
async def dsn(infra: Infrastructure) -> str:
    admin = await asyncpg.connect(f"{infra.pg_url}/postgres")
    await admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    await admin.execute(f"CREATE DATABASE {DATABASE}")
    await admin.close()
    dsn = f"{infra.pg_url}/{DATABASE}"
    conn = await asyncpg.connect(dsn)
    await conn.execute("CREATE TABLE account (id int PRIMARY KEY, balance int NOT NULL)")
    await conn.execute("INSERT INTO account VALUES (1, 0), (2, 0)")
    await conn.close()
    return dsn


@pytest.fixture
async def engine(dsn: str) -> AsyncIterator[AsyncEngine]:
    url = dsn.replace("postgresql://", "postgresql+asyncpg://")
    engine = create_async_engine(url, isolation_level="REPEATABLE READ")
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
    yield engine
    await engine.dispose()


async def _deliver(
    engine: AsyncEngine, handle: Callable[[UnitOfWork], Awaitable[None]]
) -> list[tuple[str, str]]:
    """One event through the real consumer path; returns what was dead-lettered."""
    handlers = EventHandlers()

    @handlers.on(LeadDisqualified)
    async def on_event(_: LeadDisqualified, uow: UnitOfWork, __: CloudEvent) -> None:
        await handle(uow)

    dead: list[tuple[str, str]] = []

    async def dead_letter(_: ConsumedRecord, kind: str, reason: str) -> None:
        dead.append((kind, reason))

    uow = unit_of_work_factory(session_factory(engine), SystemClock(), "/test")
    processor = EventProcessor("test", handlers, uow, dead_letter)
    event = LeadDisqualified(
        lead_id=uuid4(), score=1, reason="below_threshold", disqualified_at="2026-12-01T10:00:00Z"
    )
    record = encode(event, source="/test")
    await processor.process(
        ConsumedRecord(record.topic, 0, 0, record.key, record.value, record.headers)
    )
    return dead


async def _balance(dsn: str, account: int) -> Any:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT balance FROM account WHERE id = $1", account)
    finally:
        await conn.close()


async def _inbox_rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(inbox))).scalar())


async def test_a_handler_that_loses_serialization_races_is_retried_until_it_succeeds(
    dsn: str, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumer_module, "backoff_seconds", lambda attempt: 0.01)
    other = await asyncpg.connect(dsn)
    calls = 0

    async def credit_100(uow: UnitOfWork) -> None:
        nonlocal calls
        calls += 1
        # The transaction's snapshot is taken (its inbox row is written before the handler).
        await uow.session.execute(sa.text("SELECT balance FROM account WHERE id = 1"))
        if calls <= LOSSES:  # another transaction changes the row and commits meanwhile
            await other.execute("UPDATE account SET balance = balance + 1 WHERE id = 1")
        await uow.session.execute(
            sa.text("UPDATE account SET balance = balance + 100 WHERE id = 1")
        )

    try:
        dead = await _deliver(engine, credit_100)
    finally:
        await other.close()

    assert dead == []
    assert calls == LOSSES + 1
    assert await _balance(dsn, 1) == LOSSES * 1 + 100  # the handler's credit landed once
    assert await _inbox_rows(engine) == 1


async def test_a_handler_chosen_as_deadlock_victim_is_retried_until_it_succeeds(
    dsn: str, engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumer_module, "backoff_seconds", lambda attempt: 0.01)
    losses = 2  # each deadlock costs PostgreSQL's deadlock_timeout (1 s) to detect
    calls = 0
    other = await asyncpg.connect(dsn)
    background: list[asyncio.Task[None]] = []

    async def lock_2_then_1() -> None:
        """Holds account 2; once the handler waits for it while holding 1, asks for 1."""
        async with other.transaction():
            await other.execute("UPDATE account SET balance = balance + 1 WHERE id = 2")
            locked.set()
            for _ in range(500):  # at most 10 s
                waiting = await other.fetchval(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = $1 AND wait_event_type = 'Lock'",
                    DATABASE,
                )
                if waiting:
                    break
                await asyncio.sleep(0.02)
            await other.execute("UPDATE account SET balance = balance + 1 WHERE id = 1")

    async def transfer(uow: UnitOfWork) -> None:
        nonlocal calls, locked
        calls += 1
        await uow.session.execute(sa.text("UPDATE account SET balance = balance - 7 WHERE id = 1"))
        if calls <= losses:
            if background:  # the last competitor commits before the next one starts
                await background[-1]
            locked = asyncio.Event()
            background.append(asyncio.create_task(lock_2_then_1()))
            await locked.wait()
        await uow.session.execute(sa.text("UPDATE account SET balance = balance + 7 WHERE id = 2"))

    locked = asyncio.Event()
    try:
        dead = await _deliver(engine, transfer)
        await asyncio.gather(*background)
    finally:
        await other.close()

    assert dead == []
    assert calls == losses + 1
    # The competitor's +1 on each account per lost race, the transfer's ∓7 once.
    assert (await _balance(dsn, 1), await _balance(dsn, 2)) == (losses - 7, losses + 7)
    assert await _inbox_rows(engine) == 1
