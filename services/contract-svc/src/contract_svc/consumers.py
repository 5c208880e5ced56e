"""Events contract-svc reacts to."""

from __future__ import annotations

from contract_svc import handlers
from l2c_runtime.consumer import EventHandlers
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import QuoteAccepted
from l2c_schemas.contract import ProvisioningReported
from l2c_schemas.envelope import CloudEvent

subscriptions = EventHandlers()


@subscriptions.on(QuoteAccepted)
async def on_quote_accepted(event: QuoteAccepted, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.draft_contract(event, uow)


@subscriptions.on(ProvisioningReported)
async def on_provisioning_reported(
    event: ProvisioningReported, uow: UnitOfWork, _: CloudEvent
) -> None:
    await handlers.report_provisioning(event, uow)
