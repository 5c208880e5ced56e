"""Where is a person still? After an erasure (`POST /leads/{id}/erase`, then `LeadErased` to
every service), search every text, JSON and binary column of every service's database for the
person's e-mail address and name, and report each place that still holds them.

L2C itself no longer knows an erased person's e-mail or name, so the operator gives them (from
the erasure request). Matching is case-insensitive on text and JSON, exact (and lower-cased)
on binary columns such as outbox payloads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

from l2c_platform.launcher import SERVICES, PlatformConfig
from l2c_platform.platform_state import Databases

_TEXT_TYPES = ("text", "character varying", "json", "jsonb", "ARRAY")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Remnant:
    """Rows of one column of one service's table that still hold the person."""

    service: str
    table: str
    column: str
    found: str
    """What was found there: `e-mail` or `name`."""
    rows: int


@dataclass(frozen=True)
class ErasureReport:
    lead_id: UUID
    erased: bool
    """lead-svc has the lead marked as erased."""
    remnants: tuple[Remnant, ...]

    @property
    def ok(self) -> bool:
        return self.erased and not self.remnants


def _column_test(column: str, data_type: str) -> str:
    if data_type == "bytea":
        return f'(position($1::bytea in "{column}") > 0 OR position($2::bytea in "{column}") > 0)'
    return f'strpos(lower("{column}"::text), $1::text) > 0'


async def scan_for_person(
    config: PlatformConfig, lead_id: UUID, needles: dict[str, str]
) -> ErasureReport:
    """Search every service's database for each needle (label → value, e.g. {"e-mail": …})."""
    remnants: list[Remnant] = []
    async with Databases(config) as db:
        erased_rows = await db.rows(
            "lead", "SELECT erased_at IS NOT NULL AS erased FROM leads WHERE id = $1", lead_id
        )
        for spec in SERVICES:
            columns = await db.rows(
                spec.database,
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = 'public' AND table_name <> 'alembic_version'"
                " AND (data_type = ANY($1::text[]) OR data_type = 'bytea')"
                " ORDER BY table_name, column_name",
                list(_TEXT_TYPES),
            )
            for table, column, data_type in columns:
                if not (_IDENTIFIER.match(table) and _IDENTIFIER.match(column)):
                    continue  # not a table of ours: no quoting games
                test = _column_test(column, data_type)
                for label, value in needles.items():
                    args: tuple[object, ...] = (
                        (value.encode(), value.lower().encode())
                        if data_type == "bytea"
                        else (value.lower(),)
                    )
                    count = await db.rows(
                        spec.database, f'SELECT count(*) AS n FROM "{table}" WHERE {test}', *args
                    )
                    if count[0]["n"]:
                        remnants.append(Remnant(spec.name, table, column, label, count[0]["n"]))
    erased = bool(erased_rows and erased_rows[0]["erased"])
    return ErasureReport(lead_id, erased, tuple(remnants))
