"""A database at an earlier schema, holding data, upgrades to the newest one without losing or
misreading it, and back down and up again. The earlier schema is each service's last revision
before outbox states (the schema its first deployments ran): its outbox rows, published and
not, must come out `sent` and `pending`, so an upgrade neither publishes an event twice nor
drops one that was never sent; its inbox keeps every processed event, so nothing is handled
twice after the upgrade."""

from __future__ import annotations

import asyncio
import importlib
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from l2c_platform.testing import empty_database
from l2c_runtime.db import create_engine

pytestmark = pytest.mark.integration

SERVICES = ["lead_svc", "deal_svc", "cpq_svc", "contract_svc", "billing_svc", "ar_svc"]
PUBLISHED = "11111111-1111-4111-8111-111111111111"
UNSENT = "22222222-2222-4222-8222-222222222222"


def _config(migrations: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations))
    config.set_main_option("sqlalchemy.url", url)
    return config


def _revision_before_outbox_states(migrations: Path) -> str:
    """The down revision of the migration that adds outbox states."""
    [module] = sorted((migrations / "versions").glob("*_outbox_states.py"))
    found = re.search(r'^down_revision = "(\w+)"', module.read_text(), re.MULTILINE)
    assert found is not None, module
    return found.group(1)


async def _rows(engine: AsyncEngine, sql: str) -> list[tuple[object, ...]]:
    async with engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(sa.text(sql))]


@pytest.mark.parametrize("package", SERVICES)
async def test_an_earlier_schema_with_data_upgrades_and_round_trips(package: str) -> None:
    migrations: Path = importlib.import_module(f"{package}.app").MIGRATIONS
    url = await empty_database(f"l2c_{package}_upgrade")
    config = _config(migrations, url)
    earlier = _revision_before_outbox_states(migrations)
    await asyncio.to_thread(command.upgrade, config, earlier)

    engine = create_engine(url, 1)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.text(
                    "INSERT INTO outbox (event_id, topic, message_key, ce_type, headers, payload,"
                    " created_at, published_at) VALUES"
                    " (:published, 't', 'k1', 'x', '{}', 'a', now(), now()),"
                    " (:unsent, 't', 'k2', 'x', '{}', 'b', now(), NULL)"
                ),
                {"published": PUBLISHED, "unsent": UNSENT},
            )
            await conn.execute(
                sa.text(
                    'INSERT INTO inbox (consumer, event_id, ce_type, topic, partition, "offset",'
                    " processed_at) VALUES ('g', 'e-1', 'x', 't', 0, 41, now())"
                )
            )
        await engine.dispose()

        await asyncio.to_thread(command.upgrade, config, "head")
        states = "SELECT event_id::text, state FROM outbox ORDER BY id"
        inbox = 'SELECT consumer, event_id, "offset" FROM inbox'
        assert await _rows(engine, states) == [(PUBLISHED, "sent"), (UNSENT, "pending")]
        assert await _rows(engine, inbox) == [("g", "e-1", 41)]
        await engine.dispose()

        # Down to the earlier schema and up again: the same rows, the same states.
        await asyncio.to_thread(command.downgrade, config, earlier)
        await asyncio.to_thread(command.upgrade, config, "head")
        assert await _rows(engine, states) == [(PUBLISHED, "sent"), (UNSENT, "pending")]
        assert await _rows(engine, inbox) == [("g", "e-1", 41)]
    finally:
        await engine.dispose()
