"""Record the journey facts of consumed events."""

from __future__ import annotations

from collections.abc import Sequence

from insights_svc.adapters import facts as store
from insights_svc.domain.facts import fact_of
from l2c_runtime.consumer import Delivery
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.base import JourneyEvent


async def record(deliveries: Sequence[Delivery[JourneyEvent]], uow: UnitOfWork) -> None:
    facts = [
        fact_of(d.message, d.event.id, d.event.time, d.record.trace_carrier().get("traceparent"))
        for d in deliveries
    ]
    await store.store(uow.session, facts)
