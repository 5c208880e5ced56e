"""Events cpq-svc reacts to."""

from __future__ import annotations

from cpq_svc.handlers import quotes as handlers
from l2c_runtime.consumer import EventHandlers
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import OpportunityOpened
from l2c_schemas.envelope import CloudEvent

subscriptions = EventHandlers()


@subscriptions.on(OpportunityOpened)
async def on_opportunity_opened(event: OpportunityOpened, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.remember_opportunity(event, uow)
