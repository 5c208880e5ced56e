"""`l2c-serve <package> --migrate-only`, the Kubernetes migration Job's command: brings an
empty database to the newest revision and exits 0, and again (nothing to do) on a migrated
one, without starting the service (no Kafka settings needed)."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from l2c_platform.testing import empty_database

pytestmark = pytest.mark.integration

SERVE = Path(sys.executable).parent / "l2c-serve"


def _head(migrations: Path) -> str:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


@pytest.mark.parametrize("package", ["lead_svc"])
async def test_migrate_only_brings_the_schema_to_head_and_exits(package: str) -> None:
    url = await empty_database(f"l2c_{package}_migrate_only")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        # Nothing may be contacted but the database: a broker that does not exist.
        "KAFKA_BOOTSTRAP": "127.0.0.1:1",
    }
    for _ in range(2):
        done = await asyncio.to_thread(
            subprocess.run,
            [str(SERVE), package, "--migrate-only"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    migrations: Path = importlib.import_module(f"{package}.app").definition.migrations
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        version = await connection.fetchval("SELECT version_num FROM alembic_version")
        outbox = await connection.fetchval("SELECT to_regclass('outbox') IS NOT NULL")
    finally:
        await connection.close()
    assert version == _head(migrations)
    assert outbox
