"""Test support shared by the services' database tests: a fresh, empty database on the
PostgreSQL the tests were given (`L2C_PG_URL`)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from l2c_platform.journey import eventually
from l2c_platform.tokens import operator_client
from l2c_runtime.clock_follower import advance_platform_clock
from l2c_runtime.db import create_engine
from l2c_runtime.messaging_tables import messaging_metadata
from l2c_runtime.migrations import upgrade_to_head

T = TypeVar("T")
DEFAULT_PG_URL = "postgresql://l2c:l2c@127.0.0.1:5432"


def pg_url() -> str:
    """libpq URL of the test server, without a database."""
    return os.environ.get("L2C_PG_URL", DEFAULT_PG_URL)


def postgres_answers() -> bool:
    parts = urlsplit(pg_url())
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 1):
            return True
    except OSError:
        return False


async def empty_database(name: str) -> str:
    """Drop and create database `name`; returns its SQLAlchemy (asyncpg) URL. Without a server
    the test is skipped on a workstation and fails in CI (CI=true), where it must run."""
    import pytest

    if not postgres_answers():
        message = f"no PostgreSQL at {pg_url()} (run `make infra-up`)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    admin = await asyncpg.connect(f"{pg_url()}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return f"{pg_url().replace('postgresql://', 'postgresql+asyncpg://', 1)}/{name}"


@asynccontextmanager
async def migrated_database(
    name: str, migrations: Path, pool_size: int = 2
) -> AsyncIterator[AsyncEngine]:
    """A fresh database `name` migrated to the newest revision of `migrations` (a service's
    migrations directory), and an engine on it, disposed of afterwards: the database tests'
    common start. Skipped or failed without a server, as `empty_database`."""
    url = await empty_database(name)
    await asyncio.to_thread(upgrade_to_head, migrations, url)
    engine = create_engine(url, pool_size)
    try:
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def messaging_database(name: str, pool_size: int = 10) -> AsyncIterator[AsyncEngine]:
    """A fresh database `name` with only the runtime's messaging tables (outbox, inbox,
    leases, dead letters), and an engine on it, disposed of afterwards: for tests of the
    relay, retention and dead-lettering, which need no service's tables."""
    url = await empty_database(name)
    engine = create_engine(url, pool_size)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(messaging_metadata.create_all)
        yield engine
    finally:
        await engine.dispose()


class FixedClock:
    """A clock a test or a benchmark sets by hand (`moment`, or `set("2026-03-01")` for noon
    that day); services take any object with `now()`."""

    def __init__(self, moment: datetime = datetime(2026, 1, 1, 12, tzinfo=UTC)) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def set(self, day: str) -> None:
        self.moment = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


async def interleave(
    database: str,
    unit_of_work: Callable[[], AbstractAsyncContextManager[Any]],
    first: Callable[[Any], Awaitable[object]],
    then: Callable[[], Coroutine[Any, Any, T]],
    timeout: float = 10.0,
) -> T:
    """Reproduce a race on a real database: run `first` in a unit of work and keep it open
    (done, not committed), start `then` (another transaction on the same rows), wait until
    `then` waits for a lock `first` holds, and only then commit `first`; return what `then`
    returns. A `then` that takes no lock `first` holds runs to its end before `first`
    commits: the test sees the outcome of that order instead."""
    async with unit_of_work() as uow:
        await first(uow)
        task: asyncio.Task[T] = asyncio.create_task(then())
        watcher = await asyncpg.connect(f"{pg_url()}/{database}")
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while not task.done() and loop.time() < deadline:
                waiting = await watcher.fetchval(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = $1 AND wait_event_type = 'Lock'",
                    database,
                )
                if waiting:
                    break
                await asyncio.sleep(0.01)
        finally:
            await watcher.close()
    return await task


async def run_l2c(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the `l2c` command in its own process, as an operator would (without blocking the
    test's event loop); `env` adds to the environment."""
    return await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-c", "from l2c_platform.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


async def advance_clock_to(service_url: str, bootstrap: str, day: date) -> None:
    """Move the platform's simulated clock forward to `day` (whole days; nothing when it is
    there already) and wait until the service at `service_url` reads it."""

    async def today() -> date:
        async with operator_client(timeout=10) as http:
            response = await http.get(f"{service_url}/clock")
        response.raise_for_status()
        return datetime.fromisoformat(response.json()["now"]).date()

    now = await today()
    if day > now:
        await advance_platform_clock(bootstrap, timedelta(days=(day - now).days))

    async def reached() -> bool | None:
        return True if await today() >= day else None

    await eventually(reached, f"the clock of {service_url} at {day}", timeout=60)
