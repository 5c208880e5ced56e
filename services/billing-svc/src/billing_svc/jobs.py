"""billing-svc's scheduled work, run by every replica (work claimed with SKIP LOCKED)."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from uuid import UUID

from billing_svc.billing_run import bill_subscriptions, claim_due
from billing_svc.revenue import close_month
from l2c_runtime.jobs import periodic
from l2c_runtime.service import Runtime

log = logging.getLogger(__name__)

BATCH_SIZE = 1000


def usage_grace_days() -> int:
    """Days after a period ends during which late usage still lands on its invoice; the
    invoice is issued when they are over (env L2C_BILLING_USAGE_GRACE_DAYS, default 1)."""
    return int(os.environ.get("L2C_BILLING_USAGE_GRACE_DAYS", "1"))


async def billing_pass(runtime: Runtime, batch_size: int = BATCH_SIZE) -> int:
    """Invoice everything due today; returns the number of invoices. Each sweep walks the due
    subscriptions in id order, a batch per transaction; a subscription several periods behind
    gets one period per sweep, so sweeps repeat until one finds nothing due."""
    issued = 0
    while True:
        claimed_in_sweep = 0
        after: UUID | None = None
        while True:
            async with runtime.unit_of_work() as uow:
                cutoff = uow.clock.now().date() - timedelta(days=usage_grace_days())
                subs = await claim_due(uow, cutoff, batch_size, after)
                issued += len(await bill_subscriptions(uow, subs))
            claimed_in_sweep += len(subs)
            if len(subs) < batch_size:
                break
            after = subs[-1].id
        if claimed_in_sweep == 0:
            return issued


@periodic(5.0)
async def run_billing(runtime: Runtime) -> None:
    issued = await billing_pass(runtime)
    if issued:
        log.info("billing run issued %s invoices", issued)


@periodic(5.0)
async def close_revenue_months(runtime: Runtime) -> None:
    """Close every month that has ended (RevenueRecognized per subscription)."""
    while True:
        async with runtime.unit_of_work() as uow:
            closed = await close_month(uow, uow.clock.now().date())
        if closed is None:
            return
        log.info("revenue month %s closed", closed)
