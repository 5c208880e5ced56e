"""Events lead-svc reacts to."""

from __future__ import annotations

from collections.abc import Sequence

from l2c_runtime.consumer import Delivery, EventHandlers
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import LeadSubmitted
from l2c_schemas.envelope import CloudEvent
from l2c_schemas.lead import LeadActivityRecorded
from lead_svc import handlers

subscriptions = EventHandlers()


@subscriptions.on_batch(LeadSubmitted)
async def on_leads_submitted(
    deliveries: Sequence[Delivery[LeadSubmitted]], uow: UnitOfWork
) -> None:
    await handlers.capture_many(deliveries, uow)


@subscriptions.on(LeadActivityRecorded)
async def on_lead_activity(event: LeadActivityRecorded, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.record_activity(event, uow)
