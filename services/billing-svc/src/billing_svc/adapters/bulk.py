"""COPY rows into a table inside the unit of work's transaction (asyncpg's binary COPY):
an order of magnitude faster than multi-row INSERTs for the billing run's thousands of rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from l2c_runtime.unit_of_work import UnitOfWork


async def copy_rows(uow: UnitOfWork, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `table` in the open transaction."""
    if not rows:
        return
    columns = list(rows[0])
    connection = await uow.session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    await driver.copy_records_to_table(
        table.name, records=[tuple(row[c] for c in columns) for row in rows], columns=columns
    )
