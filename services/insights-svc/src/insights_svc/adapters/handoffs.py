"""All SQL of hand-off SLAs and the leakage watch: definitions and their versions, the facts
they read, the announcements made."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from insights_svc.adapters.facts import TooManyJourneys, _fact
from insights_svc.adapters.tables import (
    handoff_announcements,
    handoff_sla_versions,
    handoff_slas,
    journey_facts,
)
from insights_svc.domain.facts import Fact
from insights_svc.domain.handoffs import SlaDefinition

MAX_FACTS = 500_000
"""Hand-offs and leakage read at most this many facts at once."""
MAX_DEFINITIONS = 100


def _definition(row: Any) -> SlaDefinition:
    return SlaDefinition(
        key=row.key,
        from_stage=row.from_stage,
        to_stages=tuple(row.to_stages),
        duration_seconds=row.duration_seconds,
        owner_team=row.owner_team,
        correlate_by=row.correlate_by,
        filters=dict(row.filters),
        at_risk_percent=row.at_risk_percent,
        enabled=row.enabled,
        version=row.version,
        applies_from=row.applies_from,
        description=row.description,
    )


def _values(sla: SlaDefinition) -> dict[str, Any]:
    return {
        "from_stage": sla.from_stage,
        "to_stages": list(sla.to_stages),
        "correlate_by": sla.correlate_by,
        "filters": dict(sla.filters),
        "duration_seconds": sla.duration_seconds,
        "at_risk_percent": sla.at_risk_percent,
        "owner_team": sla.owner_team,
        "enabled": sla.enabled,
        "description": sla.description,
    }


async def definitions(session: AsyncSession, enabled_only: bool = False) -> list[SlaDefinition]:
    query = sa.select(handoff_slas).order_by(handoff_slas.c.key).limit(MAX_DEFINITIONS)
    if enabled_only:
        query = query.where(handoff_slas.c.enabled)
    return [_definition(r) for r in await session.execute(query)]


async def definition(
    session: AsyncSession, key: str, for_update: bool = False
) -> SlaDefinition | None:
    query = sa.select(handoff_slas).where(handoff_slas.c.key == key)
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return _definition(row) if row else None


async def count_definitions(session: AsyncSession) -> int:
    return int(
        (await session.execute(sa.select(sa.func.count()).select_from(handoff_slas))).scalar_one()
    )


async def save(session: AsyncSession, sla: SlaDefinition, at: datetime, by: str) -> None:
    """Insert or replace the definition `sla.key` at `sla.version`, and keep that version."""
    values = _values(sla)
    row = {**values, "version": sla.version, "applies_from": sla.applies_from or at}
    row |= {"updated_at": at, "updated_by": by}
    statement = insert(handoff_slas).values(key=sla.key, **row)
    await session.execute(
        statement.on_conflict_do_update(index_elements=[handoff_slas.c.key], set_=row)
    )
    await session.execute(
        sa.insert(handoff_sla_versions).values(
            key=sla.key,
            version=sla.version,
            definition={**values, "applies_from": row["applies_from"].isoformat()},
            changed_at=at,
            changed_by=by,
        )
    )


async def versions(session: AsyncSession, key: str, limit: int, offset: int) -> list[Any]:
    rows = await session.execute(
        sa.select(handoff_sla_versions)
        .where(handoff_sla_versions.c.key == key)
        .order_by(handoff_sla_versions.c.version.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows)


async def facts_since(
    session: AsyncSession, stages: Collection[str], since: datetime
) -> list[Fact]:
    """The facts of these event types at or after `since`."""
    rows = await session.execute(
        sa.select(journey_facts)
        .where(
            journey_facts.c.stage.in_(sorted(stages)),
            journey_facts.c.occurred_at >= since,
        )
        .limit(MAX_FACTS + 1)
    )
    found = [_fact(r) for r in rows]
    if len(found) > MAX_FACTS:
        raise TooManyJourneys(f"more than {MAX_FACTS} events to read: narrow the window")
    return found


async def announced(session: AsyncSession, ids: Iterable[UUID]) -> Mapping[UUID, set[str]]:
    chosen = list(ids)
    done: dict[UUID, set[str]] = defaultdict(set)
    for start in range(0, len(chosen), 20_000):
        chunk = chosen[start : start + 20_000]
        rows = await session.execute(
            sa.select(handoff_announcements.c.handoff_id, handoff_announcements.c.kind).where(
                handoff_announcements.c.handoff_id == sa.func.any(sa.cast(chunk, ARRAY(sa.Uuid)))
            )
        )
        for row in rows:
            done[row.handoff_id].add(row.kind)
    return done


async def claim_announcement(
    session: AsyncSession, handoff_id: UUID, kind: str, sla_key: str, at: datetime
) -> bool:
    """Record that `kind` is announced for the hand-off; False when it already was (by this
    replica or another), so it is announced once."""
    result = await session.execute(
        insert(handoff_announcements)
        .values(handoff_id=handoff_id, kind=kind, sla_key=sla_key, announced_at=at)
        .on_conflict_do_nothing()
        .returning(handoff_announcements.c.handoff_id)
    )
    return result.first() is not None
