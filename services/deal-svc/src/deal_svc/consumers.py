"""Events deal-svc reacts to."""

from __future__ import annotations

from deal_svc import handlers
from l2c_runtime.consumer import EventHandlers
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import ContractSigned, LeadQualified, QuoteAccepted
from l2c_schemas.envelope import CloudEvent

subscriptions = EventHandlers()


@subscriptions.on(LeadQualified)
async def on_lead_qualified(event: LeadQualified, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.open_opportunity(event, uow)


@subscriptions.on(QuoteAccepted)
async def on_quote_accepted(event: QuoteAccepted, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.record_accepted_quote(event, uow)


@subscriptions.on(ContractSigned)
async def on_contract_signed(event: ContractSigned, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.close_won(event, uow)
