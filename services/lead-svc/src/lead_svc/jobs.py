"""lead-svc's scheduled work."""

from __future__ import annotations

from l2c_runtime.jobs import periodic
from l2c_runtime.service import Runtime
from lead_svc import handlers

MAX_BREACHES_PER_PASS = 200
RESCORE_CHUNK = 100


@periodic(1.0)
async def breach_overdue_first_contacts(runtime: Runtime) -> None:
    """One pass: every lead past its first-contact deadline, each in its own transaction."""
    for _ in range(MAX_BREACHES_PER_PASS):
        async with runtime.unit_of_work() as uow:
            if not await handlers.breach_next_due(uow):
                return


@periodic(5.0)
async def rescore_after_rule_changes(runtime: Runtime) -> None:
    """One pass: open leads scored under an older rule set, a chunk per transaction."""
    while True:
        async with runtime.unit_of_work() as uow:
            if await handlers.rescore_outdated(uow, RESCORE_CHUNK) < RESCORE_CHUNK:
                return
