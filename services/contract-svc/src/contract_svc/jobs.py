"""Scheduled work of contract-svc, run by every replica; each pass claims one due contract at
a time (FOR UPDATE SKIP LOCKED) in its own unit of work, until none is due."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from contract_svc import handlers
from l2c_runtime.jobs import periodic
from l2c_runtime.service import Runtime
from l2c_runtime.unit_of_work import UnitOfWork

MAX_PER_PASS = 500


async def _drain(runtime: Runtime, one: Callable[[UnitOfWork], Awaitable[bool]]) -> None:
    for _ in range(MAX_PER_PASS):
        async with runtime.unit_of_work() as uow:
            if not await one(uow):
                return


@periodic(1.0)
async def activate_contracts(runtime: Runtime) -> None:
    """Signed contracts whose start date came → ContractActivated."""
    await _drain(runtime, handlers.activate_next_due_contract)


@periodic(1.0)
async def announce_renewals(runtime: Runtime) -> None:
    """RenewalDue, the policy's notice days before a term ends, once per term."""
    await _drain(runtime, handlers.announce_next_renewal)


@periodic(1.0)
async def end_terms(runtime: Runtime) -> None:
    """Auto-renew on the term's last day, or expire the day after."""
    await _drain(runtime, handlers.end_next_expiring_term)
