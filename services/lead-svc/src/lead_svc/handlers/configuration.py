"""Rules as data: scoring rule sets (versioned), qualification gates, routing rules, teams."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from l2c_runtime.errors import NotFound
from l2c_runtime.unit_of_work import UnitOfWork
from lead_svc.adapters.tables import routing_rules, sales_reps, scoring_rules


async def current_rule_set(uow: UnitOfWork) -> dict[str, Any]:
    row = (await uow.session.execute(sa.select(scoring_rules).where(scoring_rules.c.active))).one()
    return dict(row._mapping)


async def rule_set_versions(
    uow: UnitOfWork, limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    rows = await uow.session.execute(
        sa.select(scoring_rules).order_by(scoring_rules.c.version).limit(limit).offset(offset)
    )
    return [dict(r._mapping) for r in rows]


async def publish_rule_set(document: dict[str, Any], note: str | None, uow: UnitOfWork) -> int:
    """Store a new version of the rules and make it the active one; older versions stay
    readable (scores name the version they were computed with)."""
    await uow.session.execute(sa.select(sa.func.pg_advisory_xact_lock(4_711_001)))
    latest = (await uow.session.execute(sa.select(sa.func.max(scoring_rules.c.version)))).scalar()
    version = int(latest or 0) + 1
    await uow.session.execute(
        sa.update(scoring_rules).where(scoring_rules.c.active).values(active=False)
    )
    await uow.session.execute(
        sa.insert(scoring_rules).values(
            version=version,
            active=True,
            document=document,
            note=note,
            created_at=uow.clock.now(),
        )
    )
    return version


async def list_routing_rules(uow: UnitOfWork) -> list[dict[str, Any]]:
    rows = await uow.session.execute(
        sa.select(routing_rules).order_by(routing_rules.c.priority, routing_rules.c.name)
    )
    return [dict(r._mapping) for r in rows]


async def put_routing_rule(rule: dict[str, Any], uow: UnitOfWork) -> None:
    statement = pg_insert(routing_rules).values(**rule)
    await uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=[routing_rules.c.name],
            set_={k: statement.excluded[k] for k in rule if k != "name"},
        )
    )


async def delete_routing_rule(name: str, uow: UnitOfWork) -> None:
    deleted = await uow.session.execute(
        sa.delete(routing_rules).where(routing_rules.c.name == name).returning(routing_rules.c.name)
    )
    if deleted.first() is None:
        raise NotFound(f"no routing rule {name!r}")


async def team_reps(team: str, uow: UnitOfWork) -> list[dict[str, Any]]:
    rows = await uow.session.execute(
        sa.select(sales_reps).where(sales_reps.c.team == team).order_by(sales_reps.c.rep_id)
    )
    return [dict(r._mapping) for r in rows]


async def put_rep(team: str, rep_id: str, capacity: int, active: bool, uow: UnitOfWork) -> None:
    """Add a rep to a team or change their capacity; a rep joins the rotation with no credit."""
    statement = pg_insert(sales_reps).values(
        rep_id=rep_id, team=team, capacity=capacity, active=active, credit=0
    )
    await uow.session.execute(
        statement.on_conflict_do_update(
            index_elements=[sales_reps.c.rep_id],
            set_={"team": team, "capacity": capacity, "active": active},
        )
    )
