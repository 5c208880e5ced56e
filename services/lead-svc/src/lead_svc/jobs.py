"""lead-svc's scheduled work."""

from __future__ import annotations

from l2c_runtime.jobs import periodic
from l2c_runtime.service import Runtime
from lead_svc import handlers

MAX_BREACHES_PER_PASS = 200


@periodic(1.0)
async def breach_overdue_first_contacts(runtime: Runtime) -> None:
    """One pass: every lead past its first-contact deadline, each in its own transaction."""
    for _ in range(MAX_BREACHES_PER_PASS):
        async with runtime.unit_of_work() as uow:
            if not await handlers.breach_next_due(uow):
                return
