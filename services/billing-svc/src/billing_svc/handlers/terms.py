"""The term of a subscription follows its contract: renewed for another term, or terminated.

- ContractRenewed: the subscription goes on to the new term's end, and from the new term's
  start its lines are the event's (prices uplifted by contract-svc; billing does not uplift
  again). The change is an amendment effective on the new start (amendments.change_items): a
  start on a period boundary simply bills the new lines from that period; a start inside a
  period (terms chained from a month-end start drift off the anchored periods) prorates the
  new prices for the rest of that period by days. A subscription whose billing had already
  ended resumes with the first period after its old term. The renewal must start the day
  after the current term ends; the same term renewed again is ignored when the terms are
  identical and refused (RuleViolation, to the dead-letter topic) when they differ.
- ContractTerminated: the last day of service becomes the subscription's end. Periods
  invoiced already past that day are credited by day (a credit note, as a downgrade to
  nothing); the period it falls in, when invoiced later (in arrears, or in advance after
  notice), is charged up to that day only; nothing after it is invoiced. The subscription is
  `terminated` once the run has closed it (leftover usage and adjustments on the closing
  invoice), or at once when the last day is inside the free trial (nothing is ever billed).
  SubscriptionTerminated tells it, with the credit note if there is one. A last day that is
  the term's own last day cuts nothing short: the term runs out and ends as any other
  (SubscriptionEnded, with the termination's reason).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import sqlalchemy as sa
from sqlalchemy.engine import Row

from billing_svc.adapters import store
from billing_svc.adapters.tables import (
    invoices,
    subscription_amendments,
    subscription_renewals,
    subscriptions,
)
from billing_svc.domain.calendar import period_index_of, service_period
from billing_svc.domain.drafting import bill_date
from billing_svc.domain.trial import cancelled_in_trial
from billing_svc.handlers import amendments
from billing_svc.handlers.subscription_events import emit_terminated
from l2c_runtime.errors import RuleViolation
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.contract import ContractRenewed, ContractTerminated
from l2c_schemas.periods import months_in

ONE_DAY = timedelta(days=1)


async def renew_subscription(event: ContractRenewed, uow: UnitOfWork) -> None:
    """Continue the contract's subscription for the renewed term at the event's prices."""
    sub = await amendments.contract_subscription(uow, event.contract_id)
    lines = [line.model_dump(mode="json") for line in event.lines]
    if await _renewed_already(uow, sub, event, lines):
        return
    _check_renewal(sub, event)
    months = months_in(sub.billing_period)
    values: dict[str, Any] = {"end_date": event.end_date}
    if sub.status == "ended":
        values.update(await _resumption(uow, sub, months))
    await uow.session.execute(
        sa.update(subscriptions).where(subscriptions.c.id == sub.id).values(**values)
    )
    amendment_id = uuid5(NAMESPACE_URL, f"l2c:billing:renewal:{sub.id}:{event.start_date}")
    await uow.session.execute(
        sa.insert(subscription_renewals).values(
            subscription_id=sub.id,
            start_date=event.start_date,
            end_date=event.end_date,
            uplift_percent=event.uplift_percent,
            amendment_id=amendment_id,
            received_at=uow.clock.now(),
        )
    )
    renewed = (await uow.session.execute(_select(sub.id))).one()
    await amendments.change_items(uow, renewed, amendment_id, event.start_date, lines, "renewal")


async def _not_renewed(uow: UnitOfWork, sub: Row[Any], reason: str) -> None:
    """A termination on the term's last day cuts nothing short (contract-svc's expiry of a
    contract that does not renew, or notice given to the end of the term): the term runs
    out, and the run ends the subscription (SubscriptionEnded, with this reason)."""
    await uow.session.execute(
        sa.update(subscriptions)
        .where(subscriptions.c.id == sub.id)
        .values(termination_reason=reason)
    )


def _select(subscription_id: Any) -> sa.Select[Any]:
    return sa.select(subscriptions).where(subscriptions.c.id == subscription_id)


async def _renewed_already(
    uow: UnitOfWork, sub: Row[Any], event: ContractRenewed, lines: list[dict[str, Any]]
) -> bool:
    """True when this term was renewed before with the same terms; a renewal of the same term
    with other terms is refused."""
    known = (
        await uow.session.execute(
            sa.select(subscription_renewals.c.end_date, subscription_amendments.c.lines)
            .join(
                subscription_amendments,
                subscription_amendments.c.amendment_id == subscription_renewals.c.amendment_id,
            )
            .where(
                subscription_renewals.c.subscription_id == sub.id,
                subscription_renewals.c.start_date == event.start_date,
            )
        )
    ).first()
    if known is None:
        return False
    same_lines = amendments.items_from_lines(known.lines) == amendments.items_from_lines(lines)
    if known.end_date == event.end_date and same_lines:
        return True
    raise RuleViolation(
        f"subscription {sub.id} was renewed from {event.start_date} already (to "
        f"{known.end_date}) with other terms; a term is renewed once"
    )


def _check_renewal(sub: Row[Any], event: ContractRenewed) -> None:
    if sub.terminated_on is not None:
        raise RuleViolation(
            f"subscription {sub.id} was terminated (last day {sub.terminated_on}); "
            "it cannot be renewed"
        )
    if (event.currency, event.billing_period) != (sub.currency, sub.billing_period):
        raise RuleViolation(
            f"a renewal keeps currency and billing period ({sub.currency}, "
            f"{sub.billing_period}), not {event.currency}, {event.billing_period}"
        )
    if event.start_date != sub.end_date + ONE_DAY:
        raise RuleViolation(
            f"the renewal of subscription {sub.id} must start the day after its term ends "
            f"({sub.end_date + ONE_DAY}), not on {event.start_date}"
        )
    if event.end_date < event.start_date:
        raise RuleViolation(f"the renewed term ends ({event.end_date}) before it starts")


async def _resumption(uow: UnitOfWork, sub: Row[Any], months: int) -> dict[str, Any]:
    """An ended subscription resumes with the first period after its old term (the one the
    run closed it with)."""
    resume = period_index_of(sub.start_date, months, sub.end_date) + 1
    slot = service_period(sub.start_date, months, resume).start
    closing_invoice = await uow.session.scalar(
        sa.select(invoices.c.id).where(
            invoices.c.subscription_id == sub.id, invoices.c.period_start == slot
        )
    )
    if closing_invoice is not None:
        # Its (subscription, period start) is the first renewed period's: one invoice per
        # period cannot hold both. Finance must bill that period by hand.
        raise RuleViolation(
            f"subscription {sub.id} was closed with invoice {closing_invoice} dated {slot}; "
            "its renewal cannot resume billing automatically"
        )
    return {
        "status": "active",
        "next_period_index": resume,
        "next_period_start": bill_date(
            sub.start_date, months, resume, sub.billing_timing, sub.trial_end
        ),
    }


async def terminate_subscription(event: ContractTerminated, uow: UnitOfWork) -> None:
    """End the contract's subscription after `effective_date`, its last day of service;
    credit what was invoiced for the days after it."""
    sub = await amendments.contract_subscription(uow, event.contract_id)
    last_day = event.effective_date
    if sub.terminated_on is not None:
        if sub.terminated_on == last_day:
            return  # the same termination again
        raise RuleViolation(
            f"subscription {sub.id} was terminated with last day {sub.terminated_on} already"
        )
    if last_day > sub.end_date:
        raise RuleViolation(
            f"subscription {sub.id} ends on {sub.end_date}; a termination cannot take effect "
            f"later ({last_day})"
        )
    reason = event.reason or "termination"
    if last_day == sub.end_date and not cancelled_in_trial(sub.trial_end, last_day):
        await _not_renewed(uow, sub, reason)
        return
    # Cancelled inside the trial: nothing was ever due, so the subscription closes at once and
    # the run never bills it (no recurring charge, one-time fee or usage).
    in_trial = cancelled_in_trial(sub.trial_end, last_day)
    await uow.session.execute(
        sa.update(subscriptions)
        .where(subscriptions.c.id == sub.id)
        .values(
            end_date=last_day,
            terminated_on=last_day,
            termination_reason=reason,
            status="terminated" if sub.status == "ended" or in_trial else sub.status,
        )
    )
    old = (await store.items_of(uow, [sub.id]))[sub.id]
    credits = amendments.prorate_invoiced(sub, old, [], last_day + ONE_DAY)
    credit = await amendments.settle(uow, sub, credits, last_day + ONE_DAY, reason, "termination")
    await emit_terminated(uow, sub, last_day, reason, in_trial, credit)
