"""Alembic glue shared by every service: each service's `migrations/env.py` calls
`run_migrations(metadata)` and gets async migrations, serialised across replicas."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.engine import Connection
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
