"""ContractAmended in billing: the subscription's lines change from the effective date.

- An amendment effective in a period not invoiced yet waits; the billing run applies it when it
  invoices that period (from the period's start: the new lines are billed; mid-period: the old
  lines are billed and the change is prorated on the same invoice).
- An amendment effective in a period already invoiced is prorated at once against every
  invoiced period from the effective date on (domain.proration). When the net is a charge
  (upgrade, more seats) the proration lines wait for the next invoice (as Stripe does by
  default); when it is a credit (downgrade) a credit note is issued now against the invoice of
  the period (CreditNoteIssued), its lines being the credited amounts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row

from billing_svc.adapters import store
from billing_svc.adapters.tables import (
    billing_adjustments,
    invoices,
    subscription_amendments,
    subscriptions,
)
from billing_svc.domain.calendar import Period, period_index_of, service_period
from billing_svc.domain.drafting import Adjustment
from billing_svc.domain.invoicing import DraftLine, SubscriptionItem
from billing_svc.domain.proration import ProrationLine, RecurringCharge, prorate_change
from billing_svc.domain.trial import charged_from
from billing_svc.domain.usage import plans_of_rates
from billing_svc.handlers.credit_notes import record_credit_note
from billing_svc.handlers.subscription_events import emit_changed
from l2c_runtime.errors import NotFound
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import Money
from l2c_schemas.contract import ContractAmended
from l2c_schemas.money import round_money
from l2c_schemas.periods import months_in


def items_from_lines(lines: list[dict[str, Any]]) -> list[SubscriptionItem]:
    return [
        SubscriptionItem(
            line_no=int(line["line_no"]),
            product_code=line["product_code"],
            description=line["description"],
            charge=line["charge"],
            quantity=Decimal(line["quantity"]),
            unit_price=Decimal(line["unit_price"]["amount"]),
            discount_amount=Decimal(line["discount_amount"]["amount"]),
            net_amount=Decimal(line["net_amount"]["amount"]),
        )
        for line in lines
    ]


def recurring(items: list[SubscriptionItem]) -> list[RecurringCharge]:
    return [
        RecurringCharge(i.product_code, i.description, i.quantity, i.unit_price, i.net_amount)
        for i in items
        if i.charge == "recurring"
    ]


def _adjustment(line: ProrationLine) -> Adjustment:
    return Adjustment(
        line.product_code,
        line.description,
        line.quantity,
        line.amount,
        line.period_start,
        line.period_end,
    )


async def apply_due(
    uow: UnitOfWork,
    sub: Row[Any],
    items: list[SubscriptionItem],
    period: Period,
    pending: list[Row[Any]],
) -> tuple[list[SubscriptionItem], list[Adjustment]]:
    """Apply the waiting amendments that take effect by the end of `period` (about to be
    invoiced): the items to bill for the period (those in force on its first day) and the
    proration lines of the changes within it for its invoice."""
    extra: list[Adjustment] = []
    applied = False
    billed = items
    for amendment in sorted(pending, key=lambda a: a.effective_date):
        if amendment.effective_date > min(period.end, sub.end_date):
            break  # later, or after the last day of service (a terminated subscription)
        new = items_from_lines(amendment.lines)
        proration: list[Adjustment] = []
        charged = charged_from(amendment.effective_date, sub.trial_end)  # free days are free
        if period.start < charged <= period.end:
            lines = prorate_change(recurring(items), recurring(new), period, charged, sub.currency)
            proration = [_adjustment(line) for line in lines]
        if amendment.effective_date > period.start:
            proration += _new_one_time(items, new, amendment.effective_date)
        extra += proration
        await emit_changed(
            uow,
            sub,
            amendment.amendment_id,
            amendment.effective_date,
            amendment.reason,
            (items, new),
            proration,
        )
        if amendment.effective_date <= period.start:
            billed = new
        items, applied = new, True
        await uow.session.execute(
            sa.update(subscription_amendments)
            .where(subscription_amendments.c.amendment_id == amendment.amendment_id)
            .values(applied_at=uow.clock.now())
        )
    if applied:
        await store.replace_items(uow, sub.id, items)
    return billed, extra


def _new_one_time(
    old: list[SubscriptionItem], new: list[SubscriptionItem], effective: date
) -> list[Adjustment]:
    """One-time fees the amendment adds (a product code the subscription did not have)."""
    known = {i.product_code for i in old}
    return [
        Adjustment(i.product_code, i.description, i.quantity, i.net_amount, effective, effective)
        for i in new
        if i.charge == "one_time" and i.product_code not in known
    ]


async def contract_subscription(uow: UnitOfWork, contract_id: UUID) -> Row[Any]:
    """The subscription of a contract, locked for this transaction."""
    sub = (
        await uow.session.execute(
            sa.select(subscriptions)
            .where(subscriptions.c.contract_id == contract_id)
            .with_for_update()
        )
    ).first()
    if sub is None:
        raise NotFound(f"no subscription for contract {contract_id}")
    return sub


async def amend_subscription(event: ContractAmended, uow: UnitOfWork) -> None:
    """Record the amendment; prorate it now when it reaches back into invoiced periods. Usage
    rates it carries price the usage periods that start on or after its effective date."""
    sub = await contract_subscription(uow, event.contract_id)
    if event.usage_rates is not None:
        plans_of_rates(event.usage_rates)  # a rate that cannot be applied is refused here
        await store.put_usage_prices(uow, sub.id, event.effective_date, event.usage_rates)
    await change_items(
        uow,
        sub,
        event.amendment_id,
        event.effective_date,
        [line.model_dump(mode="json") for line in event.lines],
        event.reason or "downgrade",
    )


async def change_items(
    uow: UnitOfWork,
    sub: Row[Any],
    amendment_id: UUID,
    effective: date,
    lines: list[dict[str, Any]],
    reason: str,
) -> bool:
    """The subscription's lines become `lines` (PricedLine as JSON) from `effective`: waiting
    for the billing run when that period is not invoiced yet, else prorated now against the
    invoiced periods. False when this amendment was recorded before (nothing done)."""
    inserted = await uow.session.execute(
        pg_insert(subscription_amendments)
        .values(
            amendment_id=amendment_id,
            subscription_id=sub.id,
            effective_date=effective,
            lines=lines,
            received_at=uow.clock.now(),
            reason=reason,
        )
        .on_conflict_do_nothing()
        .returning(subscription_amendments.c.amendment_id)
    )
    if inserted.first() is None:
        return False
    months = months_in(sub.billing_period)
    unbilled = service_period(sub.start_date, months, sub.next_period_index)
    if effective >= unbilled.start:
        return True  # the billing run applies it when it invoices that period
    old = (await store.items_of(uow, [sub.id]))[sub.id]
    new = items_from_lines(lines)
    adjustments = prorate_invoiced(sub, old, new, effective) + _new_one_time(old, new, effective)
    await store.replace_items(uow, sub.id, new)
    await uow.session.execute(
        sa.update(subscription_amendments)
        .where(subscription_amendments.c.amendment_id == amendment_id)
        .values(applied_at=uow.clock.now())
    )
    await settle(uow, sub, adjustments, effective, reason, f"amendment {amendment_id}")
    await emit_changed(uow, sub, amendment_id, effective, reason, (old, new), adjustments)
    return True


def prorate_invoiced(
    sub: Row[Any], old: list[SubscriptionItem], new: list[SubscriptionItem], effective: date
) -> list[Adjustment]:
    """The proration of a change from `old` to `new` items on `effective` against every period
    invoiced already (within the term) from that day on (from the first paid day after a
    trial at the earliest: free days were never charged)."""
    effective = charged_from(effective, sub.trial_end)
    months = months_in(sub.billing_period)
    first = period_index_of(sub.start_date, months, max(effective, sub.start_date))
    last = min(sub.next_period_index, period_index_of(sub.start_date, months, sub.end_date) + 1)
    lines: list[ProrationLine] = []
    for index in range(first, last):
        period = service_period(sub.start_date, months, index)
        lines += prorate_change(
            recurring(old), recurring(new), period, max(effective, period.start), sub.currency
        )
    return [_adjustment(line) for line in lines]


async def settle(
    uow: UnitOfWork,
    sub: Row[Any],
    adjustments: list[Adjustment],
    effective: date,
    reason: str,
    source: str,
) -> tuple[UUID, Money] | None:
    """A net charge waits for the next invoice; a net credit is a credit note issued now
    (returned: its id and total)."""
    if sum((a.amount for a in adjustments), Decimal(0)) >= 0:
        await _defer_to_next_invoice(uow, sub.id, adjustments, source)
        return None
    return await _issue_credit_note(uow, sub, adjustments, effective, reason)


async def _defer_to_next_invoice(
    uow: UnitOfWork, subscription_id: UUID, adjustments: list[Adjustment], source: str
) -> None:
    if not adjustments:
        return
    now = uow.clock.now()
    await uow.session.execute(
        sa.insert(billing_adjustments),
        [
            {"subscription_id": subscription_id, "source": source, "created_at": now, **vars(a)}
            for a in adjustments
        ],
    )


async def _issue_credit_note(
    uow: UnitOfWork, sub: Row[Any], adjustments: list[Adjustment], effective: date, reason: str
) -> tuple[UUID, Money]:
    """A credit note for a downgrade or a termination: each line is the amount credited (a
    charge of the new, smaller line shows as a negative credit), tax credited at the credited
    invoice's rate."""
    credited = (
        await uow.session.execute(
            sa.select(invoices.c.id, invoices.c.tax_rate)
            .where(
                invoices.c.subscription_id == sub.id,
                invoices.c.period_start <= effective,
                invoices.c.invoice_number.is_not(None),  # a draft was never sent: nothing to credit
            )
            .order_by(invoices.c.period_start.desc())
            .limit(1)
        )
    ).first()
    rate = credited.tax_rate if credited is not None else Decimal(0)
    subtotal = -sum((a.amount for a in adjustments), Decimal(0))
    tax = round_money(subtotal * rate, sub.currency)
    lines = [
        replace(line, amount=-line.amount, unit_price=-line.unit_price)
        for line in _as_draft_lines(adjustments)
    ]
    invoice_id = credited.id if credited is not None else None
    note_id = await record_credit_note(uow, sub, invoice_id, lines, tax, reason)
    return note_id, Money(amount=subtotal + tax, currency=sub.currency)


def _as_draft_lines(adjustments: list[Adjustment]) -> list[DraftLine]:
    kind = {True: "one_time", False: "proration"}
    return [
        DraftLine(
            n,
            a.product_code,
            a.description,
            a.quantity,
            a.amount,
            Decimal(0),
            a.amount,
            a.period_start,
            a.period_end,
            kind[a.period_start == a.period_end],
        )
        for n, a in enumerate(adjustments, start=1)
    ]
