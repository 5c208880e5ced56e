"""Test support shared by the services' database tests: a fresh, empty database on the
PostgreSQL the tests were given (`L2C_PG_URL`)."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from urllib.parse import urlsplit

import asyncpg

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


class FixedClock:
    """A clock a test or a benchmark sets by hand (`moment`, or `set("2026-03-01")` for noon
    that day); services take any object with `now()`."""

    def __init__(self, moment: datetime = datetime(2026, 1, 1, 12, tzinfo=UTC)) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment

    def set(self, day: str) -> None:
        self.moment = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
