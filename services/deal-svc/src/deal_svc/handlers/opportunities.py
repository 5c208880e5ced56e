"""Opportunity use cases on an open deal: the amount from the accepted quote, stage moves
through the gates, updates by sales — load, decide, save, emit, in the caller's unit of work."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from deal_svc.adapters.pipeline_store import load_pipeline
from deal_svc.adapters.tables import opportunities, opportunity_stage_history
from deal_svc.domain.pipeline import DealFacts, move_stage
from l2c_runtime.errors import Conflict, NotFound
from l2c_runtime.telemetry import ACCOUNT_ID, LEAD_ID, journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import Money, OpportunityStageChanged, QuoteAccepted
from l2c_schemas.deal import OpportunityUpdated

log = logging.getLogger(__name__)


async def record_accepted_quote(event: QuoteAccepted, uow: UnitOfWork) -> None:
    """The deal's amount follows the quote the customer accepted. The row is locked first:
    sales may be closing the deal at this moment, and a deal closed in between keeps the
    amount it was closed with (DealClosed has announced it)."""
    row = await load_opportunity(event.opportunity_id, uow, for_update=True)
    if row["status"] != "open":
        log.info("quote %s accepted for closed deal %s; amount kept", event.quote_id, row["id"])
        return
    net = event.totals.net_total
    await uow.session.execute(
        sa.update(opportunities)
        .where(opportunities.c.id == row["id"], opportunities.c.status == "open")
        .values(amount=net.amount, currency=net.currency, quote_id=event.quote_id)
    )


async def change_stage(opportunity_id: UUID, stage_name: str, uow: UnitOfWork) -> None:
    """Sales moves an open deal to another open stage (forwards or backwards), through the
    stage's gate."""
    row = await load_opportunity(opportunity_id, uow, for_update=True)
    with journey_span("move opportunity stage", row["traceparent"], journey_of(row)):
        pipeline = await load_pipeline(uow.session, row["pipeline"])
        move = move_stage(pipeline, row["stage"], stage_name, facts_of(row))
        now = uow.clock.now()
        await uow.session.execute(
            sa.update(opportunities)
            .where(opportunities.c.id == opportunity_id)
            .values(
                stage=move.to_stage,
                probability=move.probability,
                forecast_category=move.forecast_category,
            )
        )
        await record_stage(uow, opportunity_id, move.from_stage, move.to_stage, move.probability)
        await uow.emit(
            OpportunityStageChanged(
                lead_id=row["lead_id"],
                account_id=row["account_id"],
                opportunity_id=opportunity_id,
                from_stage=move.from_stage,
                to_stage=move.to_stage,
                probability=move.probability,
                changed_at=now,
            )
        )


async def update_opportunity(
    opportunity_id: UUID,
    uow: UnitOfWork,
    amount: Money | None = None,
    expected_close_date: date | None = None,
    owner: str | None = None,
    probability: int | None = None,
) -> None:
    """Sales sets the amount, the expected close date, the owner or the win probability of an
    open deal (a field left out stays as it is). Once a quote is accepted the amount follows
    it; an overridden probability lasts until the deal next changes stage."""
    row = await load_opportunity(opportunity_id, uow, for_update=True)
    with journey_span("update opportunity", row["traceparent"], journey_of(row)):
        if row["status"] != "open":
            raise Conflict(f"the deal is closed ({row['stage']}); it can no longer change")
        if amount is not None and row["quote_id"] is not None:
            raise Conflict(
                f"the amount follows the accepted quote {row['quote_id']}; revise the quote"
            )
        changes: dict[str, Any] = {}
        if amount is not None:
            changes.update(amount=amount.amount, currency=amount.currency)
        if expected_close_date is not None:
            changes["expected_close_date"] = expected_close_date
        if owner is not None:
            changes["owner"] = owner
        if probability is not None:
            changes["probability"] = probability
        if not changes:
            return
        await uow.session.execute(
            sa.update(opportunities).where(opportunities.c.id == opportunity_id).values(**changes)
        )
        after = {**row, **changes}
        await uow.emit(
            OpportunityUpdated(
                lead_id=row["lead_id"],
                account_id=row["account_id"],
                opportunity_id=opportunity_id,
                amount=amount_of(after),
                expected_close_date=after["expected_close_date"],
                owner=after["owner"],
                probability=after["probability"],
                updated_at=uow.clock.now(),
            )
        )


async def load_opportunity(
    opportunity_id: UUID, uow: UnitOfWork, for_update: bool = False
) -> dict[str, Any]:
    """The opportunity's row; NotFound if there is none."""
    query = sa.select(opportunities).where(opportunities.c.id == opportunity_id)
    if for_update:
        query = query.with_for_update()
    row = (await uow.session.execute(query)).first()
    if row is None:
        raise NotFound(f"no opportunity {opportunity_id}")
    return dict(row._mapping)


async def record_stage(
    uow: UnitOfWork, opportunity_id: UUID, from_stage: str | None, to_stage: str, probability: int
) -> None:
    await uow.session.execute(
        sa.insert(opportunity_stage_history).values(
            opportunity_id=opportunity_id,
            from_stage=from_stage,
            to_stage=to_stage,
            probability=probability,
            changed_at=uow.clock.now(),
        )
    )


def facts_of(row: dict[str, Any]) -> DealFacts:
    return DealFacts(row["amount"], row["expected_close_date"], row["owner"])


def amount_of(row: dict[str, Any]) -> Money | None:
    return None if row["amount"] is None else Money.of(row["amount"], row["currency"])


def journey_of(row: dict[str, Any]) -> dict[str, str]:
    return {LEAD_ID: str(row["lead_id"]), ACCOUNT_ID: str(row["account_id"])}
