"""insights-svc's scheduled work: the hand-off SLA watch and the leakage watch, on the
platform clock (the simulated clock's moves wake them at once)."""

from __future__ import annotations

from insights_svc.adapters import handoffs as store
from insights_svc.domain.handoffs import Handoff, due_announcements
from insights_svc.handlers import watch
from l2c_runtime.jobs import periodic
from l2c_runtime.service import Runtime


@periodic(15.0)
async def watch_handoffs(runtime: Runtime) -> None:
    """One pass: announce each hand-off that breached or met its SLA since the last pass
    (once: replicas claim each announcement), and sample the open ones."""
    now = runtime.clock.now()
    async with runtime.sessions() as session:
        found = await watch.current_handoffs(session, now)
        announced = await store.announced(session, (h.handoff_id for h in found))
    due = due_announcements(found, now, announced)
    registry = runtime.metrics.registry
    for start in range(0, len(due), watch.MAX_ANNOUNCEMENTS_PER_TRANSACTION):
        chunk: list[tuple[Handoff, str]] = list(
            due[start : start + watch.MAX_ANNOUNCEMENTS_PER_TRANSACTION]
        )
        async with runtime.unit_of_work() as uow:
            await watch.announce(uow, chunk, registry)
    watch.sample_handoffs(registry, found, now)


@periodic(60.0)
async def watch_leakage(runtime: Runtime) -> None:
    """One pass: the leakage findings now, as gauges per detector."""
    now = runtime.clock.now()
    async with runtime.sessions() as session:
        found = await watch.findings(session, now)
    watch.sample_findings(runtime.metrics.registry, found)
