"""The billing run: invoices every subscription whose next invoice is due, in batches.

A batch claims due subscriptions with FOR UPDATE SKIP LOCKED (replicas share the work), loads
what their invoices need in a few queries, drafts each invoice with the pure domain, and writes
invoices, lines, revenue schedules and InvoiceIssued events with multi-row inserts in one
transaction. A subscription that does not finalize automatically gets a draft instead: the
same invoice and lines, without number, dates, schedule or event, until `issue` (through
handlers.finalize_invoice) issues it exactly as the run would have. A subscription behind by
several periods (after a clock advance) comes back in the next batch until it is caught up.
The unique (subscription, period start) constraint makes a second invoice for a period
impossible whatever happens, drafts included."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.engine import Row

from billing_svc.adapters import store
from billing_svc.adapters.tables import (
    billing_adjustments,
    invoice_lines,
    invoices,
    revenue_schedule,
    subscriptions,
    usage_events,
)
from billing_svc.domain.calendar import service_period
from billing_svc.domain.drafting import Adjustment, Draft, bill_date, draft_invoice
from billing_svc.domain.invoicing import DraftLine, due_date, invoice_number, invoice_totals
from billing_svc.domain.trial import free_period
from billing_svc.domain.usage import UsagePrices
from billing_svc.handlers import amendments
from billing_svc.handlers.revenue import first_open_month, schedule_rows
from billing_svc.handlers.subscription_events import about
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import InvoiceIssued, InvoiceLine, Money
from l2c_schemas.base import Message
from l2c_schemas.billing import SubscriptionEnded
from l2c_schemas.periods import months_in

LEGAL_ENTITY = "INV"


@dataclass(frozen=True)
class Issued:
    """An invoice the billing run made: issued, or left as a draft (no number yet)."""

    invoice_id: UUID
    subscription_id: UUID
    total: Decimal
    drafted: bool = False


@dataclass(frozen=True)
class Issuing:
    """An invoice being issued: its row (updated in place), subscription and lines."""

    row: dict[str, Any]
    sub: Any
    lines: list[DraftLine]


async def claim_due(
    uow: UnitOfWork,
    cutoff: date,
    limit: int,
    after: UUID | None = None,
    skip: set[UUID] | None = None,
    only: UUID | None = None,
) -> list[Row[Any]]:
    """Active subscriptions whose next invoice is billed on or before `cutoff`, in id order
    after `after`, locked for this transaction; rows another replica holds are skipped, not
    waited for. (Walking by id keeps a pass from re-reading the rows it already updated.)"""
    query = (
        sa.select(subscriptions)
        .where(subscriptions.c.status == "active", subscriptions.c.next_period_start <= cutoff)
        .order_by(subscriptions.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if after is not None:
        query = query.where(subscriptions.c.id > after)
    if skip:
        query = query.where(subscriptions.c.id.not_in(skip))
    if only is not None:
        query = query.where(subscriptions.c.id == only)
    return list((await uow.session.execute(query)).all())


async def bill_subscriptions(uow: UnitOfWork, subs: list[Row[Any]]) -> list[Issued]:
    """Invoice the next period of each (locked) subscription: issue the invoice, or leave it a
    draft when the subscription does not finalize automatically (no number, no schedule, no
    event: finalizing issues it). Returns what was made."""
    if not subs:
        return []
    ids = [s.id for s in subs]
    items = await store.items_of(uow, ids)
    usage = await store.usage_groups(uow, ids)
    pending = await store.pending_adjustments(uow, ids)
    taxes = await store.tax_rates_of(uow, {s.account_id for s in subs})
    plans = await store.plans_by_currency(uow)
    quoted = await store.usage_prices_of(uow, ids)
    waiting = await store.pending_amendments(uow, ids)
    now = uow.clock.now()
    drafts: list[tuple[Row[Any], Draft, date, date, list[int]]] = []
    ended: list[UUID] = []
    for sub in subs:
        months = months_in(sub.billing_period)
        k = sub.next_period_index
        period = service_period(sub.start_date, months, k)
        closing = period.start > sub.end_date
        current = items[sub.id]
        extra: list[Adjustment] = []
        if not closing:
            current, extra = await amendments.apply_due(uow, sub, current, period, waiting[sub.id])
        cutoff = bill_date(sub.start_date, months, k, sub.billing_timing)
        groups = [g for g in usage[sub.id] if g.period_start < cutoff]
        adjustment_rows = pending[sub.id]
        draft = draft_invoice(
            current,
            sub.currency,
            None if closing else period,
            k == 0,
            groups,
            UsagePrices(quoted.get(sub.id, ()), plans.get(sub.currency, {})),
            [a for _, a in adjustment_rows] + extra,
            sub.start_date,
            months,
            sub.trial_end,
            sub.terminated_on,
        )
        if closing:
            ended.append(sub.id)
            if not draft.lines:
                continue
        elif not draft.lines and free_period(sub.trial_end, period.end):
            continue  # a period of the trial with nothing to bill: no invoice
        end = period.start if closing else min(period.end, sub.terminated_on or period.end)
        drafts.append((sub, draft, period.start, end, [i for i, _ in adjustment_rows]))
    invoice_rows, line_rows, to_issue, made = [], [], [], []
    billed_usage: dict[UUID, list[tuple[UUID, str, date]]] = defaultdict(list)
    adjustments_billed: list[tuple[UUID, list[int]]] = []
    for sub, draft, start, end, adjustment_ids in drafts:
        invoice_id = uuid4()
        jurisdiction, rate = taxes.get(sub.account_id, (None, Decimal(0)))
        totals = invoice_totals(draft.lines, sub.currency, rate)
        row = {
            "id": invoice_id,
            "invoice_number": None,
            "subscription_id": sub.id,
            "lead_id": sub.lead_id,
            "account_id": sub.account_id,
            "customer_name": sub.customer_name,
            "currency": sub.currency,
            "period_start": start,
            "period_end": end,
            "issue_date": None,
            "due_date": None,
            "subtotal": totals.subtotal,
            "tax_total": totals.tax_total,
            "total": totals.total,
            "status": "draft",
            "traceparent": sub.traceparent,
            "issued_at": None,
            "tax_jurisdiction": jurisdiction,
            "tax_rate": rate,
            "drafted_at": None if sub.auto_finalize else now,
        }
        invoice_rows.append(row)
        line_rows += [{"invoice_id": invoice_id, **vars(line)} for line in draft.lines]
        if sub.auto_finalize:
            to_issue.append(Issuing(row, sub, draft.lines))
        for metric, start in draft.billed_usage:
            billed_usage[invoice_id].append((sub.id, metric, start))
        if adjustment_ids:
            adjustments_billed.append((invoice_id, adjustment_ids))
        made.append(Issued(invoice_id, sub.id, totals.total, drafted=not sub.auto_finalize))
    events = await issue(uow, to_issue)  # numbers and dates the rows before they are written
    await uow.copy_rows(invoices, invoice_rows)
    await uow.copy_rows(invoice_lines, line_rows)
    for invoice_id, billed_groups in billed_usage.items():
        for sub_id, metric, start in billed_groups:
            await uow.session.execute(
                sa.update(usage_events)
                .where(
                    usage_events.c.subscription_id == sub_id,
                    usage_events.c.metric == metric,
                    usage_events.c.period_start == start,
                    usage_events.c.billed_invoice_id.is_(None),
                )
                .values(billed_invoice_id=invoice_id)
            )
    for invoice_id, adjustment_ids in adjustments_billed:
        await uow.session.execute(
            sa.update(billing_adjustments)
            .where(billing_adjustments.c.id.in_(adjustment_ids))
            .values(billed_invoice_id=invoice_id)
        )
    await _advance(uow, subs, set(ended))
    await uow.emit_many(events)
    # A terminated subscription said SubscriptionTerminated when its contract was terminated.
    ran_out = [s for s in subs if s.id in ended and s.terminated_on is None]
    if ran_out:
        await uow.emit_many([(_ended_event(s, now), s.traceparent) for s in ran_out])
    return made


async def issue(uow: UnitOfWork, pending: list[Issuing]) -> list[tuple[Message, str | None]]:
    """Issue invoices made by the billing run: the next gapless numbers, issued today and due
    after the subscription's payment terms, their revenue schedules written. Sets number, dates
    and status in each `row`, which the caller then writes (the run inserts its rows, finalizing
    a draft updates it), and returns the InvoiceIssued events for the caller to emit with them."""
    if not pending:
        return []
    first_open = await first_open_month(uow)
    now = uow.clock.now()
    today = now.date()
    numbers = await store.next_numbers(uow, LEGAL_ENTITY, today.year, len(pending))
    revenue: list[dict[str, Any]] = []
    events: list[tuple[Message, str | None]] = []
    for invoice, seq in zip(pending, numbers, strict=True):
        invoice.row.update(
            invoice_number=invoice_number(LEGAL_ENTITY, today.year, seq),
            status="issued",
            issue_date=today,
            due_date=due_date(today, invoice.sub.payment_terms_days),
            issued_at=now,
        )
        revenue += schedule_rows(invoice.row["id"], invoice.sub, today, invoice.lines, first_open)
        events.append((_issued_event(invoice.row, invoice.lines), invoice.sub.traceparent))
    await uow.copy_rows(revenue_schedule, revenue)
    return events


async def _advance(uow: UnitOfWork, subs: list[Row[Any]], ended: set[UUID]) -> None:
    """Move each subscription to its next period (anchored), or end it after its term:
    `ended`, or `terminated` when its contract was terminated."""
    values = []
    for sub in subs:
        months = months_in(sub.billing_period)
        k = sub.next_period_index + 1
        status = "active"
        if sub.id in ended:
            status = "ended" if sub.terminated_on is None else "terminated"
        values.append(
            {
                "sid": sub.id,
                "idx": k,
                "next": bill_date(sub.start_date, months, k, sub.billing_timing, sub.trial_end),
                "status": status,
            }
        )
    await uow.session.execute(
        sa.update(subscriptions)
        .where(subscriptions.c.id == sa.bindparam("sid"))
        .values(
            next_period_index=sa.bindparam("idx"),
            next_period_start=sa.bindparam("next"),
            status=sa.bindparam("status"),
        ),
        values,
    )


def _ended_event(sub: Row[Any], now: datetime) -> SubscriptionEnded:
    """The term of the subscription ran out and the run closed it."""
    return SubscriptionEnded(
        **about(sub),
        contract_id=sub.contract_id,
        end_date=sub.end_date,
        reason=sub.termination_reason or "",
        ended_at=now,
    )


def _issued_event(row: dict[str, Any], lines: list[DraftLine]) -> InvoiceIssued:
    currency = row["currency"]

    def money(amount: Decimal) -> Money:
        # Exact Decimals of the draft: no need to validate each one again (hot path).
        return Money.model_construct(amount=amount, currency=currency)

    return InvoiceIssued(
        lead_id=row["lead_id"],
        account_id=row["account_id"],
        invoice_id=row["id"],
        invoice_number=row["invoice_number"],
        subscription_id=row["subscription_id"],
        customer_name=row["customer_name"],
        currency=currency,
        issue_date=row["issue_date"],
        due_date=row["due_date"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        lines=[
            InvoiceLine.model_construct(
                line_no=line.line_no,
                product_code=line.product_code,
                description=line.description,
                quantity=line.quantity,
                unit_price=money(line.unit_price),
                amount=money(line.amount),
                discount_amount=money(line.discount_amount),
                period_start=line.period_start,
                period_end=line.period_end,
            )
            for line in lines
        ],
        subtotal=money(row["subtotal"]),
        tax_total=money(row["tax_total"]),
        total=money(row["total"]),
        issued_at=row["issued_at"],
    )
