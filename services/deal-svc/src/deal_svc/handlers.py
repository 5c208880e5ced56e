"""deal-svc's use cases: load, decide, save, emit — in the caller's unit of work."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa

from deal_svc.adapters.tables import accounts, opportunities, opportunity_stage_history
from deal_svc.domain.pipeline import (
    FIRST_STAGE,
    Stage,
    close_lost_reason,
    may_close_won,
    move_stage,
    parse_stage,
    probability_of,
)
from l2c_runtime.errors import NotFound
from l2c_runtime.telemetry import ACCOUNT_ID, LEAD_ID, current_traceparent, journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import (
    ContractSigned,
    DealClosed,
    LeadQualified,
    Money,
    OpportunityOpened,
    OpportunityStageChanged,
    QuoteAccepted,
)

log = logging.getLogger(__name__)


async def open_opportunity(event: LeadQualified, uow: UnitOfWork) -> UUID:
    """A qualified lead becomes a customer account with a new-business deal. A lead opens
    one deal only: a replayed LeadQualified returns the existing one and emits nothing."""
    existing: UUID | None = await uow.session.scalar(
        sa.select(opportunities.c.id).where(
            opportunities.c.lead_id == event.lead_id, opportunities.c.kind == "new_business"
        )
    )
    if existing is not None:
        return existing
    now = uow.clock.now()
    traceparent = current_traceparent()
    account_id, opportunity_id = uuid4(), uuid4()
    name = f"{event.company} — new business"
    await uow.session.execute(
        sa.insert(accounts).values(
            id=account_id, name=event.company, lead_id=event.lead_id, created_at=now
        )
    )
    await uow.session.execute(
        sa.insert(opportunities).values(
            id=opportunity_id,
            lead_id=event.lead_id,
            account_id=account_id,
            name=name,
            kind="new_business",
            stage=FIRST_STAGE,
            probability=probability_of(FIRST_STAGE),
            status="open",
            traceparent=traceparent,
            opened_at=now,
        )
    )
    await _record_stage(uow, opportunity_id, None, FIRST_STAGE)
    await uow.emit(
        OpportunityOpened(
            lead_id=event.lead_id,
            account_id=account_id,
            opportunity_id=opportunity_id,
            account_name=event.company,
            name=name,
            stage=FIRST_STAGE,
            opened_at=now,
        )
    )
    return opportunity_id


async def record_accepted_quote(event: QuoteAccepted, uow: UnitOfWork) -> None:
    """The deal's amount follows the quote the customer accepted."""
    row = await _load(event.opportunity_id, uow)
    if row["status"] != "open":
        log.info("quote %s accepted for closed deal %s; amount kept", event.quote_id, row["id"])
        return
    net = event.totals.net_total
    await uow.session.execute(
        sa.update(opportunities)
        .where(opportunities.c.id == row["id"])
        .values(amount=net.amount, currency=net.currency, quote_id=event.quote_id)
    )


async def close_won(event: ContractSigned, uow: UnitOfWork) -> None:
    """A signed contract wins the deal."""
    row = await _load(event.opportunity_id, uow)
    if not may_close_won(Stage(row["stage"])):
        return
    now = uow.clock.now()
    quote_id = row["quote_id"] or event.quote_id
    await uow.session.execute(
        sa.update(opportunities)
        .where(opportunities.c.id == row["id"])
        .values(
            stage=Stage.CLOSED_WON,
            probability=probability_of(Stage.CLOSED_WON),
            status="won",
            close_reason="contract signed",
            quote_id=quote_id,
            contract_id=event.contract_id,
            closed_at=now,
        )
    )
    await _record_stage(uow, row["id"], row["stage"], Stage.CLOSED_WON)
    await uow.emit(
        DealClosed(
            lead_id=row["lead_id"],
            account_id=row["account_id"],
            opportunity_id=row["id"],
            outcome="won",
            reason="contract signed",
            amount=_amount(row),
            quote_id=quote_id,
            contract_id=event.contract_id,
            closed_at=now,
        )
    )


async def change_stage(opportunity_id: UUID, stage_name: str, uow: UnitOfWork) -> None:
    """Sales moves an open deal to another open stage (forwards or backwards)."""
    target = parse_stage(stage_name)
    row = await _load(opportunity_id, uow, for_update=True)
    with journey_span("move opportunity stage", row["traceparent"], _journey(row)):
        move = move_stage(Stage(row["stage"]), target, row["amount"])
        now = uow.clock.now()
        await uow.session.execute(
            sa.update(opportunities)
            .where(opportunities.c.id == opportunity_id)
            .values(stage=move.to_stage, probability=move.probability)
        )
        await _record_stage(uow, opportunity_id, move.from_stage, move.to_stage)
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


async def close_lost(
    opportunity_id: UUID, reason: str, competitor: str | None, uow: UnitOfWork
) -> None:
    """Sales gives up a deal, with the reason (and the competitor who won it, if known)."""
    row = await _load(opportunity_id, uow, for_update=True)
    with journey_span("close opportunity lost", row["traceparent"], _journey(row)):
        recorded_reason = close_lost_reason(Stage(row["stage"]), reason, competitor)
        now = uow.clock.now()
        await uow.session.execute(
            sa.update(opportunities)
            .where(opportunities.c.id == opportunity_id)
            .values(
                stage=Stage.CLOSED_LOST,
                probability=probability_of(Stage.CLOSED_LOST),
                status="lost",
                close_reason=recorded_reason,
                closed_at=now,
            )
        )
        await _record_stage(uow, opportunity_id, row["stage"], Stage.CLOSED_LOST)
        await uow.emit(
            DealClosed(
                lead_id=row["lead_id"],
                account_id=row["account_id"],
                opportunity_id=opportunity_id,
                outcome="lost",
                reason=recorded_reason,
                amount=_amount(row),
                quote_id=row["quote_id"],
                closed_at=now,
            )
        )


_WITH_ACCOUNT = sa.select(opportunities, accounts.c.name.label("account_name")).join(
    accounts, accounts.c.id == opportunities.c.account_id
)


async def find_opportunity(opportunity_id: UUID, uow: UnitOfWork) -> dict[str, Any] | None:
    row = (
        await uow.session.execute(_WITH_ACCOUNT.where(opportunities.c.id == opportunity_id))
    ).first()
    return None if row is None else dict(row._mapping)


async def list_opportunities(
    uow: UnitOfWork, lead_id: UUID | None = None, account_id: UUID | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    query = _WITH_ACCOUNT.order_by(opportunities.c.opened_at.desc()).limit(limit)
    if lead_id is not None:
        query = query.where(opportunities.c.lead_id == lead_id)
    if account_id is not None:
        query = query.where(opportunities.c.account_id == account_id)
    return [dict(row._mapping) for row in await uow.session.execute(query)]


async def _load(opportunity_id: UUID, uow: UnitOfWork, for_update: bool = False) -> dict[str, Any]:
    query = sa.select(opportunities).where(opportunities.c.id == opportunity_id)
    if for_update:
        query = query.with_for_update()
    row = (await uow.session.execute(query)).first()
    if row is None:
        raise NotFound(f"no opportunity {opportunity_id}")
    return dict(row._mapping)


async def _record_stage(
    uow: UnitOfWork, opportunity_id: UUID, from_stage: str | None, to_stage: str
) -> None:
    await uow.session.execute(
        sa.insert(opportunity_stage_history).values(
            opportunity_id=opportunity_id,
            from_stage=from_stage,
            to_stage=to_stage,
            changed_at=uow.clock.now(),
        )
    )


def _amount(row: dict[str, Any]) -> Money | None:
    amount: Decimal | None = row["amount"]
    return None if amount is None else Money.of(amount, row["currency"])


def _journey(row: dict[str, Any]) -> dict[str, str]:
    return {LEAD_ID: str(row["lead_id"]), ACCOUNT_ID: str(row["account_id"])}
