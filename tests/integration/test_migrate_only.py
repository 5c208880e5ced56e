"""The Kubernetes migration Job's command, `l2c-serve <package> --migrate-only`, brings an
empty database to the newest revision and exits 0, without starting the service (no broker
needed); the pods' init container, `l2c-serve <package> --wait-for-schema SECONDS`, exits 0
on a migrated database and 1 when the schema is not there by the deadline."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from l2c_platform.testing import empty_database
from l2c_runtime.migrations import schema_is_current, upgrade_to_head, wait_until_current

pytestmark = pytest.mark.integration

SERVE = Path(sys.executable).parent / "l2c-serve"
PACKAGE = "lead_svc"


async def _serve(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "KAFKA_BOOTSTRAP": "127.0.0.1:1"}
    return await asyncio.to_thread(
        subprocess.run,
        [str(SERVE), PACKAGE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


async def test_migrate_only_then_wait_for_schema() -> None:
    migrations: Path = importlib.import_module(f"{PACKAGE}.app").definition.migrations
    url = await empty_database(f"l2c_{PACKAGE}_migrate_only")
    assert not await asyncio.to_thread(schema_is_current, migrations, url)
    assert not await asyncio.to_thread(wait_until_current, migrations, url, 1.0, 0.2)

    done = await _serve(url, "--migrate-only")
    assert done.returncode == 0, done.stderr[-2000:]
    assert await asyncio.to_thread(schema_is_current, migrations, url)
    await asyncio.to_thread(upgrade_to_head, migrations, url)  # again: nothing to do

    done = await _serve(url, "--wait-for-schema", "30")
    assert done.returncode == 0, done.stderr[-2000:]


async def test_wait_for_schema_gives_up_on_an_empty_database() -> None:
    url = await empty_database(f"l2c_{PACKAGE}_wait_for_schema")
    done = await _serve(url, "--wait-for-schema", "1")
    assert done.returncode == 1
    assert "newest revision" in done.stderr
