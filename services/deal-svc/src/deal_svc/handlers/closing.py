"""Closing deals: won when the contract is signed (or renewed), lost with the reason and the
competitor — by sales, or when a contract is terminated before its renewal."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from deal_svc.adapters.pipeline_store import load_pipeline
from deal_svc.adapters.tables import opportunities
from deal_svc.domain.pipeline import close_lost, may_close_won
from deal_svc.handlers.opportunities import amount_of, journey_of, load_opportunity, record_stage
from l2c_runtime.telemetry import journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import ContractSigned, DealClosed
from l2c_schemas.contract import ContractRenewed, ContractTerminated

log = logging.getLogger(__name__)


async def close_won(event: ContractSigned, uow: UnitOfWork) -> None:
    """A signed contract wins the deal."""
    row = await load_opportunity(event.opportunity_id, uow, for_update=True)
    await _win(row, "contract signed", row["quote_id"] or event.quote_id, event.contract_id, uow)


async def close_renewal_won(event: ContractRenewed, uow: UnitOfWork) -> None:
    """The contract continued for another term: its open renewal deal is won."""
    row_found = (
        await uow.session.execute(
            sa.select(opportunities)
            .where(
                opportunities.c.kind == "renewal",
                opportunities.c.renews_contract_id == event.contract_id,
                opportunities.c.status == "open",
            )
            .order_by(opportunities.c.renewal_end_date)
            .limit(1)
            .with_for_update()
        )
    ).first()
    if row_found is None:
        log.info("contract %s renewed without an open renewal deal", event.contract_id)
        return
    await _win(dict(row_found._mapping), "contract renewed", None, event.contract_id, uow)


async def _win(
    row: dict[str, Any],
    reason: str,
    quote_id: UUID | None,
    contract_id: UUID,
    uow: UnitOfWork,
) -> None:
    pipeline = await load_pipeline(uow.session, row["pipeline"])
    if not may_close_won(pipeline, row["stage"]):
        return
    won = pipeline.closing_stage("won")
    now = uow.clock.now()
    await uow.session.execute(
        sa.update(opportunities)
        .where(opportunities.c.id == row["id"])
        .values(
            stage=won.name,
            probability=won.probability,
            forecast_category=won.forecast_category,
            status="won",
            close_reason=reason,
            quote_id=quote_id,
            contract_id=contract_id,
            closed_at=now,
        )
    )
    await record_stage(uow, row["id"], row["stage"], won.name, won.probability)
    await uow.emit(
        DealClosed(
            lead_id=row["lead_id"],
            account_id=row["account_id"],
            opportunity_id=row["id"],
            outcome="won",
            reason=reason,
            amount=amount_of(row),
            quote_id=quote_id,
            contract_id=contract_id,
            closed_at=now,
        )
    )


async def give_up(
    opportunity_id: UUID, reason: str, competitor: str | None, uow: UnitOfWork
) -> None:
    """Sales gives up a deal, with the reason (and the competitor who won it, if known)."""
    row = await load_opportunity(opportunity_id, uow, for_update=True)
    with journey_span("close opportunity lost", row["traceparent"], journey_of(row)):
        await _lose(row, reason, competitor, uow)


async def lose_renewal(event: ContractTerminated, uow: UnitOfWork) -> None:
    """A terminated contract will not renew: its open renewal deals are lost."""
    rows = await uow.session.execute(
        sa.select(opportunities)
        .where(
            opportunities.c.kind == "renewal",
            opportunities.c.renews_contract_id == event.contract_id,
            opportunities.c.status == "open",
        )
        .with_for_update()
    )
    for row in rows.all():
        await _lose(dict(row._mapping), f"contract terminated: {event.reason}", None, uow)


async def _lose(row: dict[str, Any], reason: str, competitor: str | None, uow: UnitOfWork) -> None:
    pipeline = await load_pipeline(uow.session, row["pipeline"])
    loss = close_lost(pipeline, row["stage"], reason, competitor)
    lost = pipeline.closing_stage("lost")
    now = uow.clock.now()
    await uow.session.execute(
        sa.update(opportunities)
        .where(opportunities.c.id == row["id"])
        .values(
            stage=lost.name,
            probability=lost.probability,
            forecast_category=lost.forecast_category,
            status="lost",
            close_reason=loss.reason,
            competitor=loss.competitor,
            closed_at=now,
        )
    )
    await record_stage(uow, row["id"], row["stage"], lost.name, lost.probability)
    await uow.emit(
        DealClosed(
            lead_id=row["lead_id"],
            account_id=row["account_id"],
            opportunity_id=row["id"],
            outcome="lost",
            reason=loss.reason,
            competitor=loss.competitor,
            amount=amount_of(row),
            quote_id=row["quote_id"],
            closed_at=now,
        )
    )
