"""All SQL of insights-svc: facts in, journeys and milestones out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from insights_svc.adapters.tables import journey_facts
from insights_svc.domain.facts import Fact
from insights_svc.domain.journey import MILESTONE_STAGES, Milestones, milestones
from insights_svc.domain.receivables import BALANCE_STAGES

MAX_LEADS_PER_QUERY = 200_000
"""Metrics and journey lists read the milestones of at most this many leads at once."""


class TooManyJourneys(ValueError):
    pass


async def store(session: AsyncSession, facts: Sequence[Fact]) -> None:
    """Insert facts; one already there (a replay) is left as it is."""
    if not facts:
        return
    rows = [
        {
            "event_id": f.event_id,
            "stage": f.stage,
            "lead_id": f.lead_id,
            "account_id": f.account_id,
            "occurred_at": f.occurred_at,
            "actor": f.actor,
            "owner": f.owner,
            "trace_id": f.trace_id,
            "ids": f.ids,
            "amounts": f.amounts,
            "detail": f.detail,
        }
        for f in facts
    ]
    statement = insert(journey_facts).values(rows).on_conflict_do_nothing()
    await session.execute(statement)


def _fact(row: Any) -> Fact:
    return Fact(
        event_id=row.event_id,
        stage=row.stage,
        lead_id=row.lead_id,
        account_id=row.account_id,
        occurred_at=row.occurred_at,
        actor=row.actor,
        owner=row.owner,
        trace_id=row.trace_id,
        ids=dict(row.ids),
        amounts=dict(row.amounts),
        detail=dict(row.detail),
    )


async def facts_of_lead(session: AsyncSession, lead_id: UUID, limit: int) -> list[Fact]:
    rows = await session.execute(
        sa.select(journey_facts)
        .where(journey_facts.c.lead_id == lead_id)
        .order_by(journey_facts.c.occurred_at, journey_facts.c.event_id)
        .limit(limit)
    )
    return [_fact(r) for r in rows]


async def journey_milestones(
    session: AsyncSession,
    start: datetime | None = None,
    end: datetime | None = None,
    account_id: UUID | None = None,
) -> list[Milestones]:
    """The milestones of every journey with a fact in [start, end) (of one account's journeys
    when `account_id` is given), by lead id."""
    active = sa.select(journey_facts.c.lead_id).distinct()
    if start is not None:
        active = active.where(journey_facts.c.occurred_at >= start)
    if end is not None:
        active = active.where(journey_facts.c.occurred_at < end)
    if account_id is not None:
        active = active.where(journey_facts.c.account_id == account_id)
    active = active.limit(MAX_LEADS_PER_QUERY + 1)
    leads = [r.lead_id for r in await session.execute(active)]
    if len(leads) > MAX_LEADS_PER_QUERY:
        raise TooManyJourneys(
            f"more than {MAX_LEADS_PER_QUERY} journeys in the period: choose a shorter one"
        )
    by_lead: dict[UUID, list[Fact]] = defaultdict(list)
    c = journey_facts.c
    # Only what milestones read (no ids, actor or trace: less to fetch and decode).
    columns = [c.event_id, c.stage, c.lead_id, c.account_id, c.occurred_at, c.owner]
    columns += [c.amounts, c.detail]
    for chunk_start in range(0, len(leads), 20_000):
        chunk = leads[chunk_start : chunk_start + 20_000]
        rows = await session.execute(
            sa.select(*columns).where(
                c.lead_id == sa.func.any(sa.cast(chunk, ARRAY(sa.Uuid))),
                c.stage.in_(sorted(MILESTONE_STAGES)),
            )
        )
        for row in rows:
            by_lead[row.lead_id].append(
                Fact(
                    event_id=row.event_id,
                    stage=row.stage,
                    lead_id=row.lead_id,
                    account_id=row.account_id,
                    occurred_at=row.occurred_at,
                    owner=row.owner,
                    amounts=row.amounts,
                    detail=row.detail,
                )
            )
    return [milestones(lead, by_lead.get(lead, [])) for lead in sorted(leads)]


MAX_INVOICE_FACTS = 1_000_000
"""DSO reads at most this many invoice facts."""


async def invoice_facts(
    session: AsyncSession, end: datetime, stages: frozenset[str] = BALANCE_STAGES
) -> list[Fact]:
    """The facts of `stages` (by default those that set invoices' balances), before `end`."""
    rows = await session.execute(
        sa.select(journey_facts)
        .where(
            journey_facts.c.stage.in_(sorted(stages)),
            journey_facts.c.occurred_at < end,
        )
        .limit(MAX_INVOICE_FACTS + 1)
    )
    found = [_fact(r) for r in rows]
    if len(found) > MAX_INVOICE_FACTS:
        raise TooManyJourneys(
            f"more than {MAX_INVOICE_FACTS} invoice or quote events: choose an earlier end"
        )
    return found


async def truncate(session: AsyncSession) -> None:
    """Empty the projection (and the inbox, so a replay is handled again)."""
    await session.execute(sa.text("TRUNCATE journey_facts, inbox"))
