"""Opening deals: new business from a qualified lead, expansions by API, renewals when a
contract's term ends."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa

from deal_svc.adapters.pipeline_store import load_pipeline
from deal_svc.adapters.tables import accounts, contacts, opportunities
from deal_svc.domain.pipeline import OpportunityKind, pipeline_for
from deal_svc.handlers.opportunities import journey_of, record_stage
from l2c_runtime.errors import Conflict, NotFound
from l2c_runtime.telemetry import current_traceparent, journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import LeadQualified, Money, OpportunityOpened
from l2c_schemas.contract import RenewalDue

log = logging.getLogger(__name__)


async def open_opportunity(event: LeadQualified, uow: UnitOfWork) -> UUID:
    """A qualified lead becomes a customer account, with the lead's contact as its primary
    contact and a new-business deal. While that deal is open or won, a repeated
    LeadQualified returns it and emits nothing. A lead recycled after a lost deal that
    qualifies again (later than the deal was lost) opens a new deal on the same account,
    linked to the lost one."""
    latest = (
        await uow.session.execute(
            sa.select(
                opportunities.c.id,
                opportunities.c.status,
                opportunities.c.account_id,
                opportunities.c.closed_at,
            )
            .where(
                opportunities.c.lead_id == event.lead_id,
                opportunities.c.kind == "new_business",
            )
            .order_by(opportunities.c.opened_at.desc())
            .limit(1)
        )
    ).first()
    if latest is not None and (
        latest.status != "lost" or event.qualified_at <= latest.closed_at  # an old event
    ):
        return UUID(str(latest.id))
    now = uow.clock.now()
    if latest is not None:
        account_id = latest.account_id
        previous = latest.id
    else:
        previous = None
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
        owner=event.owner_id,  # the rep lead routing assigned
        previous_opportunity_id=previous,
        lead_context={
            "lead_source": event.source,
            "lead_campaign": event.campaign,
            "lead_score": event.score,
            "lead_team": event.team,
        },
    )


async def open_on_account(
    account_id: UUID,
    name: str,
    kind: OpportunityKind,
    uow: UnitOfWork,
    amount: Money | None = None,
    expected_close_date: date | None = None,
    owner: str | None = None,
    pipeline: str | None = None,
) -> UUID:
    """Sales opens an expansion (or a renewal) on an existing account, in the journey of the
    lead that brought the account, through the pipeline of its kind unless one is named."""
    if kind == "new_business":
        raise Conflict("new business comes from a qualified lead; open an expansion or renewal")
    account = await _load_account(account_id, uow)
    with journey_span(f"open {kind} opportunity", account["traceparent"], journey_of(account)):
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
            pipeline=pipeline,
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
    previous = (
        await uow.session.execute(
            sa.select(opportunities.c.owner, opportunities.c.lead_team).where(
                opportunities.c.id == event.opportunity_id
            )
        )
    ).first()
    return await _open(
        uow,
        lead_id=event.lead_id,
        account_id=event.account_id,
        account_name=event.customer_name,
        name=f"{event.customer_name} — renewal from {event.end_date.isoformat()}",
        kind="renewal",
        amount=event.renewal_value,
        expected_close_date=event.end_date,
        owner=None if previous is None else previous.owner,
        team=None if previous is None else previous.lead_team,
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
    pipeline: str | None = None,
    lead_context: dict[str, Any] | None = None,
    team: str | None = None,
) -> UUID:
    lead_context = {**(lead_context or {})}
    team = lead_context.setdefault("lead_team", team)
    stages = await load_pipeline(uow.session, pipeline or pipeline_for(kind))
    first = stages.first_stage
    now = uow.clock.now()
    opportunity_id = uuid4()
    await uow.session.execute(
        sa.insert(opportunities).values(
            id=opportunity_id,
            lead_id=lead_id,
            account_id=account_id,
            name=name,
            kind=kind,
            pipeline=stages.name,
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
            **(lead_context or {}),
        )
    )
    await record_stage(uow, opportunity_id, None, first.name, first.probability)
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
            owner=owner,
            team=team,
        )
    )
    return opportunity_id


async def _load_account(account_id: UUID, uow: UnitOfWork) -> dict[str, Any]:
    row = (
        await uow.session.execute(sa.select(accounts).where(accounts.c.id == account_id))
    ).first()
    if row is None:
        raise NotFound(f"no account {account_id}")
    return {**row._mapping, "account_id": account_id}
