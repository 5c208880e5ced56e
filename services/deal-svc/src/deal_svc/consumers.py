"""Events deal-svc reacts to."""

from __future__ import annotations

from deal_svc.handlers import accounts, closing, opening, opportunities
from l2c_runtime.consumer import EventHandlers
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import ContractSigned, LeadQualified, QuoteAccepted
from l2c_schemas.contract import ContractRenewed, ContractTerminated, RenewalDue
from l2c_schemas.envelope import CloudEvent
from l2c_schemas.lead import LeadErased

subscriptions = EventHandlers()


@subscriptions.on(LeadQualified)
async def on_lead_qualified(event: LeadQualified, uow: UnitOfWork, _: CloudEvent) -> None:
    await opening.open_opportunity(event, uow)


@subscriptions.on(LeadErased)
async def on_lead_erased(event: LeadErased, uow: UnitOfWork, _: CloudEvent) -> None:
    await accounts.erase_lead_contacts(event, uow)


@subscriptions.on(QuoteAccepted)
async def on_quote_accepted(event: QuoteAccepted, uow: UnitOfWork, _: CloudEvent) -> None:
    await opportunities.record_accepted_quote(event, uow)


@subscriptions.on(ContractSigned)
async def on_contract_signed(event: ContractSigned, uow: UnitOfWork, _: CloudEvent) -> None:
    await closing.close_won(event, uow)


@subscriptions.on(RenewalDue)
async def on_renewal_due(event: RenewalDue, uow: UnitOfWork, _: CloudEvent) -> None:
    await opening.open_renewal(event, uow)


@subscriptions.on(ContractRenewed)
async def on_contract_renewed(event: ContractRenewed, uow: UnitOfWork, _: CloudEvent) -> None:
    await closing.close_renewal_won(event, uow)


@subscriptions.on(ContractTerminated)
async def on_contract_terminated(event: ContractTerminated, uow: UnitOfWork, _: CloudEvent) -> None:
    await closing.lose_renewal(event, uow)
