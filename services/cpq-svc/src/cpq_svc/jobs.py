"""cpq-svc's scheduled work."""

from __future__ import annotations

from cpq_svc.handlers.lifecycle import expire_due_quotes
from l2c_runtime.jobs import periodic
from l2c_runtime.service import Runtime


@periodic(1.0)
async def expire_quotes(runtime: Runtime) -> None:
    """Expire every quote past its validity, one quote per transaction (claimed with
    FOR UPDATE SKIP LOCKED, so replicas share the work)."""
    while True:
        async with runtime.unit_of_work() as uow:
            expired = await expire_due_quotes(uow, batch=1)
        if not expired:
            return
