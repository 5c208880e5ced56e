"""billing-svc's scheduled work, run by every replica (work claimed with SKIP LOCKED)."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from billing_svc.config import trial_notice_days, usage_grace_days
from billing_svc.handlers.billing_run import bill_subscriptions, claim_due
from billing_svc.handlers.revenue import close_month
from billing_svc.handlers.trials import follow_trials
from l2c_runtime.jobs import periodic
from l2c_runtime.service import Runtime
from l2c_runtime.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

BATCH_SIZE = 1000


async def billing_pass(runtime: Runtime, batch_size: int = BATCH_SIZE) -> int:
    """Invoice everything due today; returns the number of invoices (issued or drafts). Each
    sweep walks the due subscriptions in id order, a batch per transaction; a subscription
    several periods behind gets one period per sweep, so sweeps repeat until one finds nothing
    due. A batch that fails is retried one subscription per transaction, so one bad
    subscription (logged, left due) cannot stop everyone else's invoices."""
    issued = 0
    failed: set[UUID] = set()
    while True:
        claimed_in_sweep = 0
        after: UUID | None = None
        while True:
            try:
                async with runtime.unit_of_work() as uow:
                    subs = await claim_due(uow, _cutoff(uow), batch_size, after, failed)
                    issued += len(await bill_subscriptions(uow, subs))
            except Exception:
                log.exception("billing batch after %s failed; billing it one by one", after)
                subs, one_by_one = await _bill_one_by_one(runtime, batch_size, after, failed)
                issued += one_by_one
            claimed_in_sweep += len(subs)
            if len(subs) < batch_size:
                break
            after = subs[-1].id
        if claimed_in_sweep == 0:
            return issued


def _cutoff(uow: UnitOfWork) -> date:
    return uow.clock.now().date() - timedelta(days=usage_grace_days())


async def _bill_one_by_one(
    runtime: Runtime, batch_size: int, after: UUID | None, failed: set[UUID]
) -> tuple[list[Any], int]:
    async with runtime.unit_of_work() as uow:
        subs = await claim_due(uow, _cutoff(uow), batch_size, after, failed)
    issued = 0
    for sub in subs:
        try:
            async with runtime.unit_of_work() as uow:
                again = await claim_due(uow, _cutoff(uow), 1, None, failed, only=sub.id)
                issued += len(await bill_subscriptions(uow, again))
        except Exception:
            log.exception("cannot bill subscription %s; it stays due", sub.id)
            failed.add(sub.id)
    return subs, issued


@periodic(5.0)
async def run_billing(runtime: Runtime) -> None:
    issued = await billing_pass(runtime)
    if issued:
        log.info("billing run made %s invoices", issued)


@periodic(5.0)
async def follow_free_trials(runtime: Runtime) -> None:
    """TrialEnding and TrialEnded when due, and the first paid period invoiced on its day."""
    while True:
        async with runtime.unit_of_work() as uow:
            handled = await follow_trials(uow, trial_notice_days(), BATCH_SIZE)
        if handled < BATCH_SIZE:
            return


@periodic(5.0)
async def close_revenue_months(runtime: Runtime) -> None:
    """Close every month that has ended (RevenueRecognized per subscription)."""
    while True:
        async with runtime.unit_of_work() as uow:
            closed = await close_month(uow, uow.clock.now().date())
        if closed is None:
            return
        log.info("revenue month %s closed", closed)
