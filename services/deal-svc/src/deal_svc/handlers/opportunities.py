"""Opportunity use cases: open, move, update, close — load, decide, save, emit, in the
caller's unit of work."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa

from deal_svc.adapters.pipeline_store import load_pipeline
from deal_svc.adapters.tables import accounts, contacts, opportunities, opportunity_stage_history
from deal_svc.domain.pipeline import (
    DealFacts,
    OpportunityKind,
    close_lost,
    may_close_won,
    move_stage,
    pipeline_for,
)
from l2c_runtime.errors import Conflict, NotFound
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
from l2c_schemas.contract import ContractRenewed, RenewalDue
from l2c_schemas.deal import OpportunityUpdated

log = logging.getLogger(__name__)


async def open_opportunity(event: LeadQualified, uow: UnitOfWork) -> UUID:
    """A qualified lead becomes a customer account, with the lead's contact as its primary
    contact and a new-business deal. A lead opens one deal only: a replayed LeadQualified
    returns the existing one and emits nothing."""
    existing: UUID | None = await uow.session.scalar(
        sa.select(opportunities.c.id).where(
            opportunities.c.lead_id == event.lead_id, opportunities.c.kind == "new_business"
        )
    )
    if existing is not None:
        return existing
    now = uow.clock.now()
    account_id = uuid4()
    await uow.session.execute(
        sa.insert(accounts).values(
            id=account_id,
            name=event.company,
            lead_id=event.lead_id,
            created_at=now,
            traceparent=current_traceparent(),
        )
    )
    await uow.session.execute(
        sa.insert(contacts).values(
            id=uuid4(),
            account_id=account_id,
            lead_id=event.lead_id,
            full_name=event.contact_name,
            email=str(event.contact_email),
            is_primary=True,
            created_at=now,
        )
    )
    return await _open(
        uow,
        lead_id=event.lead_id,
        account_id=account_id,
        account_name=event.company,
        name=f"{event.company} — new business",
        kind="new_business",
    )


async def open_on_account(
    account_id: UUID,
    name: str,
    kind: OpportunityKind,
    uow: UnitOfWork,
    amount: Money | None = None,
    expected_close_date: date | None = None,
    owner: str | None = None,
) -> UUID:
    """Sales opens an expansion (or a renewal) on an existing account, in the journey of the
    lead that brought the account."""
    if kind == "new_business":
        raise Conflict("new business comes from a qualified lead; open an expansion or renewal")
    account = await _load_account(account_id, uow)
    with journey_span(f"open {kind} opportunity", account["traceparent"], _journey(account)):
        return await _open(
            uow,
            lead_id=account["lead_id"],
            account_id=account_id,
            account_name=account["name"],
            name=name,
            kind=kind,
            amount=amount,
            expected_close_date=expected_close_date,
            owner=owner,
        )


async def open_renewal(event: RenewalDue, uow: UnitOfWork) -> UUID:
    """A contract's term ends soon: open the renewal deal for the next term's value, closing
    by the end date, in the same journey. One renewal deal per contract term: a repeated
    RenewalDue returns the one already opened."""
    existing: UUID | None = await uow.session.scalar(
        sa.select(opportunities.c.id).where(
            opportunities.c.kind == "renewal",
            opportunities.c.renews_contract_id == event.contract_id,
            opportunities.c.renewal_end_date == event.end_date,
        )
    )
    if existing is not None:
        log.info("renewal of %s ending %s already open", event.contract_id, event.end_date)
        return existing
    account = await uow.session.scalar(
        sa.select(accounts.c.id).where(accounts.c.id == event.account_id)
    )
    if account is None:  # a contract from before deal-svc knew the account: adopt it
        await uow.session.execute(
            sa.insert(accounts).values(
                id=event.account_id,
                name=event.customer_name,
                lead_id=event.lead_id,
                created_at=uow.clock.now(),
                traceparent=current_traceparent(),
            )
        )
    previous_owner = await uow.session.scalar(
        sa.select(opportunities.c.owner).where(opportunities.c.id == event.opportunity_id)
    )
    return await _open(
        uow,
        lead_id=event.lead_id,
        account_id=event.account_id,
        account_name=event.customer_name,
        name=f"{event.customer_name} — renewal from {event.end_date.isoformat()}",
        kind="renewal",
        amount=event.renewal_value,
        expected_close_date=event.end_date,
        owner=previous_owner,
        renews_contract_id=event.contract_id,
        renewal_end_date=event.end_date,
        previous_opportunity_id=event.opportunity_id,
    )


async def _open(
    uow: UnitOfWork,
    *,
    lead_id: UUID,
    account_id: UUID,
    account_name: str,
    name: str,
    kind: OpportunityKind,
    amount: Money | None = None,
    expected_close_date: date | None = None,
    owner: str | None = None,
    renews_contract_id: UUID | None = None,
    renewal_end_date: date | None = None,
    previous_opportunity_id: UUID | None = None,
) -> UUID:
    pipeline = await load_pipeline(uow.session, pipeline_for(kind))
    first = pipeline.first_stage
    now = uow.clock.now()
    opportunity_id = uuid4()
    await uow.session.execute(
        sa.insert(opportunities).values(
            id=opportunity_id,
            lead_id=lead_id,
            account_id=account_id,
            name=name,
            kind=kind,
            pipeline=pipeline.name,
            stage=first.name,
            probability=first.probability,
            forecast_category=first.forecast_category,
            status="open",
            amount=None if amount is None else amount.amount,
            currency=None if amount is None else amount.currency,
            expected_close_date=expected_close_date,
            owner=owner,
            renews_contract_id=renews_contract_id,
            renewal_end_date=renewal_end_date,
            previous_opportunity_id=previous_opportunity_id,
            traceparent=current_traceparent(),
            opened_at=now,
        )
    )
    await _record_stage(uow, opportunity_id, None, first.name, first.probability)
    await uow.emit(
        OpportunityOpened(
            lead_id=lead_id,
            account_id=account_id,
            opportunity_id=opportunity_id,
            account_name=account_name,
            name=name,
            stage=first.name,
            kind=kind,
            opened_at=now,
            amount=amount,
            expected_close_date=expected_close_date,
            renews_contract_id=renews_contract_id,
        )
    )
    return opportunity_id


async def record_accepted_quote(event: QuoteAccepted, uow: UnitOfWork) -> None:
    """The deal's amount follows the quote the customer accepted."""
    row = await load_opportunity(event.opportunity_id, uow)
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
    await _record_stage(uow, row["id"], row["stage"], won.name, won.probability)
    await uow.emit(
        DealClosed(
            lead_id=row["lead_id"],
            account_id=row["account_id"],
            opportunity_id=row["id"],
            outcome="won",
            reason=reason,
            amount=_amount(row),
            quote_id=quote_id,
            contract_id=contract_id,
            closed_at=now,
        )
    )


async def change_stage(opportunity_id: UUID, stage_name: str, uow: UnitOfWork) -> None:
    """Sales moves an open deal to another open stage (forwards or backwards), through the
    stage's gate."""
    row = await load_opportunity(opportunity_id, uow, for_update=True)
    with journey_span("move opportunity stage", row["traceparent"], _journey(row)):
        pipeline = await load_pipeline(uow.session, row["pipeline"])
        move = move_stage(pipeline, row["stage"], stage_name, _facts(row))
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
        await _record_stage(uow, opportunity_id, move.from_stage, move.to_stage, move.probability)
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
) -> None:
    """Sales sets the amount, the expected close date or the owner of an open deal (a field
    left out stays as it is). Once a quote is accepted the amount follows it."""
    row = await load_opportunity(opportunity_id, uow, for_update=True)
    with journey_span("update opportunity", row["traceparent"], _journey(row)):
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
                amount=_amount(after),
                expected_close_date=after["expected_close_date"],
                owner=after["owner"],
                updated_at=uow.clock.now(),
            )
        )


async def give_up(
    opportunity_id: UUID, reason: str, competitor: str | None, uow: UnitOfWork
) -> None:
    """Sales gives up a deal, with the reason (and the competitor who won it, if known)."""
    row = await load_opportunity(opportunity_id, uow, for_update=True)
    with journey_span("close opportunity lost", row["traceparent"], _journey(row)):
        pipeline = await load_pipeline(uow.session, row["pipeline"])
        loss = close_lost(pipeline, row["stage"], reason, competitor)
        lost = pipeline.closing_stage("lost")
        now = uow.clock.now()
        await uow.session.execute(
            sa.update(opportunities)
            .where(opportunities.c.id == opportunity_id)
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
        await _record_stage(uow, opportunity_id, row["stage"], lost.name, lost.probability)
        await uow.emit(
            DealClosed(
                lead_id=row["lead_id"],
                account_id=row["account_id"],
                opportunity_id=opportunity_id,
                outcome="lost",
                reason=loss.reason,
                competitor=loss.competitor,
                amount=_amount(row),
                quote_id=row["quote_id"],
                closed_at=now,
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


async def _load_account(account_id: UUID, uow: UnitOfWork) -> dict[str, Any]:
    row = (
        await uow.session.execute(sa.select(accounts).where(accounts.c.id == account_id))
    ).first()
    if row is None:
        raise NotFound(f"no account {account_id}")
    return {**row._mapping, "account_id": account_id}


async def _record_stage(
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


def _facts(row: dict[str, Any]) -> DealFacts:
    return DealFacts(row["amount"], row["expected_close_date"], row["owner"])


def _amount(row: dict[str, Any]) -> Money | None:
    return None if row["amount"] is None else Money.of(row["amount"], row["currency"])


def _journey(row: dict[str, Any]) -> dict[str, str]:
    return {LEAD_ID: str(row["lead_id"]), ACCOUNT_ID: str(row["account_id"])}
