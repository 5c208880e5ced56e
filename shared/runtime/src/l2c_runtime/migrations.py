"""Alembic glue shared by every service: each service's `migrations/env.py` calls
`run_migrations(metadata)` and gets async migrations, serialised across replicas."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from l2c_runtime.messaging_tables import messaging_metadata

MIGRATION_LOCK_ID = 0x12C0_A1E3


def run_migrations(metadata: sa.MetaData) -> None:
    """Body of a service's env.py."""
    url = context.config.get_main_option("sqlalchemy.url") or os.environ["DATABASE_URL"]
    targets = [metadata, messaging_metadata]
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=targets, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return

    def migrate(connection: Connection) -> None:
        # Two replicas starting together must not both run the same migration.
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK_ID)))
        context.configure(connection=connection, target_metadata=targets)
        with context.begin_transaction():
            context.run_migrations()

    async def run() -> None:
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(migrate)
        await engine.dispose()

    asyncio.run(run())


def upgrade_to_head(migrations_dir: Path, database_url: str) -> None:
    """Bring a service's database to the newest schema (blocking; call in a thread)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", database_url)
    command.upgrade(config, "head")


def schema_is_current(migrations_dir: Path, database_url: str) -> bool:
    """Whether the database is at the newest revision of `migrations_dir` (blocking)."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    heads = set(ScriptDirectory.from_config(config).get_heads())

    def current(connection: Connection) -> set[str]:
        return set(MigrationContext.configure(connection).get_current_heads())

    async def read() -> set[str]:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(current)
        finally:
            await engine.dispose()

    return asyncio.run(read()) == heads


def wait_until_current(
    migrations_dir: Path, database_url: str, timeout: float, interval: float = 2.0
) -> bool:
    """Wait up to `timeout` seconds for the database to reach the newest revision (another
    process migrates it: a deployment's migration job); an unreachable database counts as
    not yet. True once it is, False if it is not by then."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if schema_is_current(migrations_dir, database_url):
                return True
        except (OSError, SQLAlchemyError):
            pass
        if time.monotonic() + interval > deadline:
            return False
        time.sleep(interval)
