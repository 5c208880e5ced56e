"""A database migrated from empty has exactly the tables, columns, types, indexes, keys and
foreign keys that each service's code declares (adapters/tables.py plus the runtime's
messaging and audit tables), as Alembic's autogenerate comparison sees them. A change to a table
definition without its migration, or a migration the code does not know about, fails here."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection

from l2c_platform.testing import migrated_database
from l2c_runtime.audit import audit_metadata
from l2c_runtime.messaging_tables import messaging_metadata

pytestmark = pytest.mark.integration

SERVICES = [
    "lead_svc",
    "deal_svc",
    "cpq_svc",
    "contract_svc",
    "billing_svc",
    "ar_svc",
    "insights_svc",
]


def _include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    # Alembic's own bookkeeping table is in every migrated database and in no service's code.
    return not (type_ == "table" and name == "alembic_version")


def _differences(connection: Connection, targets: list[sa.MetaData]) -> list[Any]:
    context = MigrationContext.configure(
        connection,
        opts={
            "target_metadata": targets,
            "compare_type": True,
            # Server defaults are not compared: PostgreSQL reports them as rewritten SQL
            # ('0'::integer, now()), and the tables declare them only where a migration needs
            # one to fill existing rows. Check constraints Alembic does not compare at all.
            "compare_server_default": False,
            "include_object": _include,
        },
    )
    return list(compare_metadata(context, targets))


@pytest.mark.parametrize("package", SERVICES)
async def test_migrated_database_matches_the_tables(package: str) -> None:
    app = importlib.import_module(f"{package}.app")
    tables = importlib.import_module(f"{package}.adapters.tables")
    migrations: Path = app.MIGRATIONS
    async with (
        migrated_database(f"l2c_{package}_schema_drift", migrations, 1) as engine,
        engine.connect() as connection,
    ):
        differences = await connection.run_sync(
            _differences, [tables.metadata, messaging_metadata, audit_metadata]
        )
    assert [_describe(d) for d in differences] == []


def _describe(difference: Any) -> str:
    """One line per difference (a column change comes as a list of modifications)."""
    if isinstance(difference, list):
        return "; ".join(_describe(item) for item in difference)
    kind, *rest = difference
    names = [getattr(item, "name", None) or str(item) for item in rest if item is not None]
    return f"{kind} {' '.join(str(n) for n in names)}"
