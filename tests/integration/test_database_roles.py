"""Each service runs as its own PostgreSQL login role: it owns its database (its migrations
run as that role) and cannot even connect to another service's."""

from __future__ import annotations

import asyncio
import importlib

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from l2c_platform.launcher import BY_NAME, Infrastructure, PlatformConfig, recreate_databases
from l2c_platform.local_secrets import local_secret
from l2c_runtime.migrations import upgrade_to_head
from l2c_runtime.service import ServiceDefinition

pytestmark = pytest.mark.integration


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def test_a_service_role_owns_its_database_and_cannot_connect_to_another(
    infra: Infrastructure,
) -> None:
    if local_secret("pg-lead_svc") is None:
        pytest.skip("the database server is not the local one (no per-service roles)")
    config = PlatformConfig(pg_url=infra.pg_url, database_prefix="l2c_roles_")
    await recreate_databases(config)
    lead, deal = BY_NAME["lead-svc"], BY_NAME["deal-svc"]
    lead_url = config.database_url(lead)
    assert make_url(lead_url).username == "lead_svc"

    module = importlib.import_module("lead_svc.app")
    [definition] = [v for v in vars(module).values() if isinstance(v, ServiceDefinition)]
    await asyncio.to_thread(upgrade_to_head, definition.migrations, lead_url)

    conn = await asyncpg.connect(_libpq(lead_url))
    try:
        role = await conn.fetchrow(
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )
        assert tuple(role) == (False, False, False)
        owners = await conn.fetch(
            "SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
        )
        assert [r["owner"] for r in owners] == ["lead_svc"]  # the migrations' tables
    finally:
        await conn.close()

    other = make_url(lead_url).set(database=f"l2c_roles_{deal.database}")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied for database"):
        await asyncpg.connect(_libpq(other.render_as_string(hide_password=False)))
    as_deal = make_url(config.database_url(deal)).set(database=f"l2c_roles_{lead.database}")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await asyncpg.connect(_libpq(as_deal.render_as_string(hide_password=False)))
