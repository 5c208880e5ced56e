"""Read side of deal-svc: lists with filters and pages, one deal's stage history, and the
deals the forecast counts."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from deal_svc.adapters.tables import (
    accounts,
    forecast_snapshot_days,
    forecast_snapshots,
    opportunities,
    opportunity_stage_history,
)
from deal_svc.domain.forecast import ForecastDeal, Period, SnapshotLine
from deal_svc.domain.pipeline import ForecastCategory, Pipeline
from deal_svc.domain.stage_history import ClosedDeal, StageEntry, stage_visits
from l2c_runtime.auth import Principal
from l2c_runtime.auth.records import visible_records
from l2c_runtime.unit_of_work import UnitOfWork

_WITH_ACCOUNT = sa.select(opportunities, accounts.c.name.label("account_name")).join(
    accounts, accounts.c.id == opportunities.c.account_id
)


@dataclass(frozen=True)
class OpportunityFilter:
    """Every field left None matches everything; close dates are the expected ones."""

    lead_id: UUID | None = None
    account_id: UUID | None = None
    status: str | None = None
    stage: str | None = None
    owner: str | None = None
    kind: str | None = None
    closing_from: date | None = None
    closing_to: date | None = None
    visible_to: Principal | None = None
    """Only the deals this caller may see (a rep's own and their teams')."""

    def conditions(self) -> list[sa.ColumnElement[bool]]:
        c = opportunities.c
        equal = {
            c.lead_id: self.lead_id,
            c.account_id: self.account_id,
            c.status: self.status,
            c.stage: self.stage,
            c.owner: self.owner,
            c.kind: self.kind,
        }
        found = [column == value for column, value in equal.items() if value is not None]
        if self.closing_from is not None:
            found.append(c.expected_close_date >= self.closing_from)
        if self.closing_to is not None:
            found.append(c.expected_close_date <= self.closing_to)
        if self.visible_to is not None:
            found.append(visible_records(self.visible_to, c.owner, c.lead_team))
        return found


async def find_opportunity(opportunity_id: UUID, uow: UnitOfWork) -> dict[str, Any] | None:
    row = (
        await uow.session.execute(_WITH_ACCOUNT.where(opportunities.c.id == opportunity_id))
    ).first()
    return None if row is None else dict(row._mapping)


async def list_opportunities(
    uow: UnitOfWork, where: OpportunityFilter, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """One page of the matching opportunities, newest first, and how many match in all."""
    conditions = where.conditions()
    page = (
        _WITH_ACCOUNT.where(*conditions)
        .order_by(opportunities.c.opened_at.desc(), opportunities.c.id)
        .limit(limit)
        .offset(offset)
    )
    rows = [dict(row._mapping) for row in await uow.session.execute(page)]
    total = await uow.session.scalar(
        sa.select(sa.func.count()).select_from(opportunities).where(*conditions)
    )
    return rows, int(total or 0)


async def stage_entries(opportunity_id: UUID, uow: UnitOfWork) -> list[StageEntry]:
    """The deal's stage history in the order it happened."""
    rows = await uow.session.execute(
        sa.select(opportunity_stage_history.c.to_stage, opportunity_stage_history.c.changed_at)
        .where(opportunity_stage_history.c.opportunity_id == opportunity_id)
        .order_by(opportunity_stage_history.c.id)
    )
    return [StageEntry(stage, at) for stage, at in rows]


async def forecast_deals(uow: UnitOfWork, period: Period) -> list[ForecastDeal]:
    """Deals with an amount closing in `period`: open ones by their expected close date, won
    ones by the day they were won (UTC). Lost deals never count."""
    c = opportunities.c
    starts = datetime.combine(period.first_day, time(0), UTC)
    ends = datetime.combine(period.last_day + timedelta(days=1), time(0), UTC)
    rows = await uow.session.execute(
        sa.select(
            c.amount,
            c.currency,
            c.probability,
            c.forecast_category,
            c.status,
            c.closed_at,
            c.expected_close_date,
            c.owner,
            c.stage,
            c.lead_team,
        ).where(
            c.amount.is_not(None),
            sa.or_(
                sa.and_(
                    c.status == "open",
                    c.expected_close_date.between(period.first_day, period.last_day),
                ),
                sa.and_(c.status == "won", c.closed_at >= starts, c.closed_at < ends),
            ),
        )
    )
    return [
        ForecastDeal(
            amount=row.amount,
            currency=row.currency,
            probability=row.probability,
            category=cast(ForecastCategory, row.forecast_category),
            close_date=(
                row.closed_at.astimezone(UTC).date()
                if row.status == "won"
                else row.expected_close_date
            ),
            is_open=row.status == "open",
            owner=row.owner,
            stage=row.stage,
            team=row.lead_team,
        )
        for row in rows
    ]


async def account_opportunities(account_id: UUID, uow: UnitOfWork) -> list[dict[str, Any]]:
    rows, _ = await list_opportunities(uow, OpportunityFilter(account_id=account_id), limit=1000)
    return rows


async def list_accounts(
    uow: UnitOfWork, name_contains: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """One page of accounts by name (case-insensitive substring), each with its number of
    open deals, and how many match in all."""
    conditions = []
    if name_contains:
        escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(accounts.c.name.ilike(f"%{escaped}%", escape="\\"))
    open_deals = (
        sa.select(sa.func.count())
        .where(opportunities.c.account_id == accounts.c.id, opportunities.c.status == "open")
        .scalar_subquery()
    )
    page = (
        sa.select(accounts, open_deals.label("open_deals"))
        .where(*conditions)
        .order_by(accounts.c.name, accounts.c.id)
        .limit(limit)
        .offset(offset)
    )
    rows = [dict(row._mapping) for row in await uow.session.execute(page)]
    total = await uow.session.scalar(
        sa.select(sa.func.count()).select_from(accounts).where(*conditions)
    )
    return rows, int(total or 0)


async def closed_deals(uow: UnitOfWork, pipeline: Pipeline, period: Period) -> list[ClosedDeal]:
    """The pipeline's deals closed (won or lost) in `period`, each with its stage visits."""
    starts = datetime.combine(period.first_day, time(0), UTC)
    ends = datetime.combine(period.last_day + timedelta(days=1), time(0), UTC)
    c = opportunities.c
    deals = (
        await uow.session.execute(
            sa.select(c.id, c.status, c.opened_at, c.closed_at).where(
                c.pipeline == pipeline.name,
                c.status != "open",
                c.closed_at >= starts,
                c.closed_at < ends,
            )
        )
    ).all()
    h = opportunity_stage_history.c
    entries: dict[UUID, list[StageEntry]] = {}
    if deals:
        rows = await uow.session.execute(
            sa.select(h.opportunity_id, h.to_stage, h.changed_at)
            .where(h.opportunity_id.in_([d.id for d in deals]))
            .order_by(h.id)
        )
        for opportunity_id, stage, at in rows:
            entries.setdefault(opportunity_id, []).append(StageEntry(stage, at))
    closing = frozenset(s.name for s in pipeline.stages if s.is_closed)
    return [
        ClosedDeal(
            won=d.status == "won",
            opened_at=d.opened_at,
            closed_at=d.closed_at,
            visits=stage_visits(entries.get(d.id, []), d.closed_at, closing),
        )
        for d in deals
    ]


async def save_snapshot(
    uow: UnitOfWork, period: str, day: date, lines: list[SnapshotLine], taken_at: datetime
) -> bool:
    """Keep the day's snapshot of `period` (its lines may be none: a call of 0). A day already
    kept stays as it was (the first pass of the day is the day's snapshot; replicas may race).
    True when this call kept it."""
    kept = await uow.session.execute(
        insert(forecast_snapshot_days)
        .values(period=period, taken_on=day, taken_at=taken_at)
        .on_conflict_do_nothing()
        .returning(forecast_snapshot_days.c.period)
    )
    if kept.first() is None:
        return False
    if lines:
        await uow.session.execute(
            insert(forecast_snapshots).values(
                [{**asdict(line), "taken_at": taken_at} for line in lines]
            )
        )
    return True


async def snapshot_taken(uow: UnitOfWork, period: str, day: date) -> bool:
    d = forecast_snapshot_days.c
    found = await uow.session.scalar(
        sa.select(sa.literal(True)).where(d.period == period, d.taken_on == day)
    )
    return bool(found)


async def period_call(uow: UnitOfWork, period: Period) -> tuple[date | None, list[SnapshotLine]]:
    """The period's call: the day of its earliest snapshot within the period and that day's
    lines (none when nothing was forecast then); (None, []) when no snapshot was kept."""
    d, s = forecast_snapshot_days.c, forecast_snapshots.c
    first = await uow.session.scalar(
        sa.select(sa.func.min(d.taken_on)).where(
            d.period == period.label, d.taken_on.between(period.first_day, period.last_day)
        )
    )
    if first is None:
        return None, []
    rows = await uow.session.execute(
        sa.select(forecast_snapshots).where(s.period == period.label, s.taken_on == first)
    )
    return first, [
        SnapshotLine(
            period=row.period,
            taken_on=row.taken_on,
            owner=row.owner,
            team=row.team,
            currency=row.currency,
            closed=row.closed,
            commit_forecast=row.commit_forecast,
            best_case_forecast=row.best_case_forecast,
            weighted_forecast=row.weighted_forecast,
        )
        for row in rows
    ]
