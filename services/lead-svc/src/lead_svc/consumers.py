"""Events lead-svc reacts to."""

from __future__ import annotations

from l2c_runtime.consumer import EventHandlers
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import LeadSubmitted
from l2c_schemas.envelope import CloudEvent
from l2c_schemas.lead import LeadActivityRecorded
from lead_svc import handlers

subscriptions = EventHandlers()


@subscriptions.on(LeadSubmitted)
async def on_lead_submitted(event: LeadSubmitted, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.capture_lead(event, uow, in_bulk=True)


@subscriptions.on(LeadActivityRecorded)
async def on_lead_activity(event: LeadActivityRecorded, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.record_activity(event, uow)
