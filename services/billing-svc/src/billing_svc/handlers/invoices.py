"""billing-svc's use cases: subscriptions from orders, invoices per billing period."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.engine import Row

from billing_svc import config
from billing_svc.adapters import store
from billing_svc.adapters.tables import (
    invoice_lines,
    invoices,
    subscription_items,
    subscriptions,
    usage_events,
)
from billing_svc.domain.drafting import bill_date
from billing_svc.domain.invoicing import DraftLine
from billing_svc.domain.trial import first_charge_date, trial_end
from billing_svc.domain.usage import plans_of_rates
from billing_svc.handlers.billing_run import Issuing, bill_subscriptions, issue
from billing_svc.handlers.credit_notes import credited_totals
from billing_svc.handlers.metering import file_pending_usage
from billing_svc.handlers.revenue import reverse_schedule
from l2c_runtime.errors import Conflict, NotFound
from l2c_runtime.http.params import Page
from l2c_runtime.telemetry import current_traceparent, journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import InvoicePaid, Money, OrderPlaced, SubscriptionActivated
from l2c_schemas.ar import InvoiceWrittenOff, WriteOffReversed
from l2c_schemas.billing import InvoiceVoided
from l2c_schemas.periods import months_in


async def activate_subscription(order: OrderPlaced, uow: UnitOfWork) -> UUID:
    """Turn an order into a subscription and bill its first period in advance (with a trial,
    on the first paid day instead: the trial job issues it then). The order's usage rates (the
    accepted quote's) price its usage from the start; a rate that cannot be applied refuses
    the order (RuleViolation: to the dead-letter topic)."""
    existing = await uow.session.scalar(
        sa.select(subscriptions.c.id).where(subscriptions.c.order_id == order.order_id)
    )
    if existing is not None:
        return UUID(str(existing))
    plans_of_rates(order.usage_rates)
    now = uow.clock.now()
    subscription_id = uuid4()
    months = months_in(order.billing_period)
    timing = order.billing_timing
    trial = trial_end(order.start_date, order.trial_days)
    await uow.session.execute(
        sa.insert(subscriptions).values(
            id=subscription_id,
            order_id=order.order_id,
            contract_id=order.contract_id,
            lead_id=order.lead_id,
            account_id=order.account_id,
            customer_name=order.customer_name,
            currency=order.currency,
            billing_period=order.billing_period,
            start_date=order.start_date,
            end_date=order.end_date,
            payment_terms_days=order.payment_terms_days,
            next_period_index=0,
            next_period_start=bill_date(order.start_date, months, 0, timing, trial),
            billing_timing=timing,
            trial_end=trial,
            trial_requires_payment_method=order.trial_requires_payment_method,
            status="active",
            traceparent=current_traceparent(),
            activated_at=now,
            auto_finalize=config.auto_finalize(),
        )
    )
    await uow.session.execute(
        sa.insert(subscription_items),
        [
            {
                "subscription_id": subscription_id,
                "line_no": line.line_no,
                "product_code": line.product_code,
                "description": line.description,
                "charge": line.charge,
                "quantity": line.quantity,
                "unit_price": line.unit_price.amount,
                "discount_amount": line.discount_amount.amount,
                "net_amount": line.net_amount.amount,
            }
            for line in order.lines
        ],
    )
    if order.usage_rates:
        await store.put_usage_prices(uow, subscription_id, order.start_date, order.usage_rates)
    recurring = sum(
        (line.net_amount.amount for line in order.lines if line.charge == "recurring"),
        Decimal(0),
    )
    await uow.emit(
        SubscriptionActivated(
            lead_id=order.lead_id,
            account_id=order.account_id,
            subscription_id=subscription_id,
            order_id=order.order_id,
            contract_id=order.contract_id,
            currency=order.currency,
            billing_period=order.billing_period,
            start_date=order.start_date,
            end_date=order.end_date,
            recurring_amount=Money.of(recurring, order.currency),
            activated_at=now,
            auto_finalize=config.auto_finalize(),
            trial_end=trial,
            trial_requires_payment_method=order.trial_requires_payment_method,
        )
    )
    await file_pending_usage(order.account_id, uow)  # usage that came before the order
    if timing == "in_advance" and (trial is None or first_charge_date(trial) <= now.date()):
        await issue_next_invoice(subscription_id, uow)  # the first period, billed at once
    return subscription_id


async def issue_next_invoice(subscription_id: UUID, uow: UnitOfWork) -> UUID | None:
    """Invoice the subscription's next unbilled period now, due or not: issued, or a draft
    when the subscription does not finalize automatically (None when nothing is left)."""
    sub = (
        await uow.session.execute(
            sa.select(subscriptions).where(subscriptions.c.id == subscription_id).with_for_update()
        )
    ).first()
    if sub is None:
        raise NotFound(f"no subscription {subscription_id}")
    if sub.status != "active":
        return None
    issued = await bill_subscriptions(uow, [sub])
    return issued[0].invoice_id if issued else None


async def mark_invoice_paid(event: InvoicePaid, uow: UnitOfWork) -> None:
    """ar-svc collected the invoice in full: issued → paid (a void invoice stays void)."""
    await uow.session.execute(
        sa.update(invoices)
        .where(invoices.c.id == event.invoice_id, invoices.c.status == "issued")
        .values(status="paid", paid_at=event.paid_at)
    )


async def list_invoices(
    uow: UnitOfWork, page: Page | None = None, **filters: Any
) -> list[dict[str, Any]]:
    made_at = sa.func.coalesce(invoices.c.issued_at, invoices.c.drafted_at)
    query = sa.select(invoices).order_by(made_at, invoices.c.invoice_number, invoices.c.id)
    if page is not None:
        query = query.limit(page.limit).offset(page.offset)
    for name, value in filters.items():
        if value is not None:
            query = query.where(invoices.c[name] == value)
    rows = (await uow.session.execute(query)).all()
    credited = await credited_totals(uow, [row.id for row in rows])
    result = []
    for row in rows:
        lines = await uow.session.execute(
            sa.select(invoice_lines)
            .where(invoice_lines.c.invoice_id == row.id)
            .order_by(invoice_lines.c.line_no)
        )
        result.append(
            {
                **row._mapping,
                "credited": credited.get(row.id, Decimal(0)),
                "lines": [dict(line._mapping) for line in lines],
            }
        )
    return result


def _name(invoice: Row[Any]) -> str:
    return f"invoice {invoice.invoice_number or invoice.id}"


async def finalize_invoice(invoice_id: UUID, uow: UnitOfWork) -> None:
    """Issue a draft: draft → issued with the next gapless number, issued today, InvoiceIssued
    and its revenue schedule, exactly as the billing run issues (409 unless it is a draft)."""
    row = await store.locked_invoice(uow, invoice_id)
    if row.status != "draft":
        raise Conflict(f"{_name(row)} is {row.status}; only a draft can be finalized")
    sub = (
        await uow.session.execute(
            sa.select(subscriptions).where(subscriptions.c.id == row.subscription_id)
        )
    ).one()
    invoice = (await list_invoices(uow, id=invoice_id))[0]
    lines = [
        DraftLine(**{k: v for k, v in line.items() if k != "invoice_id"})
        for line in invoice.pop("lines")
    ]
    issuing = Issuing(invoice, sub, lines)
    with journey_span("finalize invoice", row.traceparent, {"l2c.lead_id": str(row.lead_id)}):
        events = await issue(uow, [issuing])
        issued = {
            name: issuing.row[name]
            for name in ("invoice_number", "status", "issue_date", "due_date", "issued_at")
        }
        await uow.session.execute(
            sa.update(invoices).where(invoices.c.id == invoice_id).values(**issued)
        )
        await uow.emit_many(events)


async def void_invoice(invoice_id: UUID, reason: str, uow: UnitOfWork) -> dict[str, Any]:
    """Cancel an unpaid invoice. An issued one: issued → void, InvoiceVoided (ar-svc reverses
    the receivable) and its revenue reversed. A draft: draft → void, still without a number,
    and without an event (nobody was told of it). Its usage and adjustments are not re-billed:
    voiding is a cancellation."""
    row = await store.locked_invoice(uow, invoice_id)
    if row.status not in ("issued", "draft"):
        raise Conflict(f"{_name(row)} is {row.status}; only a draft or issued one can be voided")
    now = uow.clock.now()
    with journey_span("void invoice", row.traceparent, {"l2c.lead_id": str(row.lead_id)}):
        await uow.session.execute(
            sa.update(invoices)
            .where(invoices.c.id == invoice_id)
            .values(status="void", voided_at=now, void_reason=reason)
        )
        if row.status == "issued":
            await reverse_schedule(uow, invoice_id, now.date())
            await uow.emit(
                InvoiceVoided(
                    lead_id=row.lead_id,
                    account_id=row.account_id,
                    invoice_id=row.id,
                    invoice_number=row.invoice_number,
                    amount=Money(amount=row.total, currency=row.currency),
                    reason=reason,
                    voided_at=now,
                )
            )
    return {**row._mapping, "status": "void", "voided_at": now, "void_reason": reason}


async def set_auto_finalize(subscription_id: UUID, enabled: bool, uow: UnitOfWork) -> None:
    """Whether the billing run issues the subscription's next invoices (true) or leaves them as
    drafts for finance to finalize (false). Invoices made already stay as they are."""
    updated = await uow.session.execute(
        sa.update(subscriptions)
        .where(subscriptions.c.id == subscription_id)
        .values(auto_finalize=enabled)
        .returning(subscriptions.c.id)
    )
    if updated.first() is None:
        raise NotFound(f"no subscription {subscription_id}")


async def subscription_view(
    uow: UnitOfWork, page: Page | None = None, **filters: Any
) -> list[dict[str, Any]]:
    """Subscriptions with their current items, how much usage they recorded, and the usage
    prices quoted for them (each set with the day it takes effect; none: the default plans)."""
    query = sa.select(subscriptions).order_by(subscriptions.c.activated_at, subscriptions.c.id)
    if page is not None:
        query = query.limit(page.limit).offset(page.offset)
    for name, value in filters.items():
        if value is not None:
            query = query.where(subscriptions.c[name] == value)
    result = []
    for row in (await uow.session.execute(query)).all():
        items = await uow.session.execute(
            sa.select(subscription_items)
            .where(subscription_items.c.subscription_id == row.id)
            .order_by(subscription_items.c.line_no)
        )
        usage = await uow.session.scalar(
            sa.select(sa.func.count()).where(usage_events.c.subscription_id == row.id)
        )
        result.append(
            {
                **{k: v for k, v in row._mapping.items() if k != "traceparent"},
                "items": [dict(item._mapping) for item in items],
                "usage_events": usage,
                "usage_prices": await store.quoted_usage_rates(uow, row.id),
            }
        )
    return result


async def mark_invoice_uncollectible(event: InvoiceWrittenOff, uow: UnitOfWork) -> None:
    """ar-svc wrote the invoice off as bad debt: issued → uncollectible."""
    await uow.session.execute(
        sa.update(invoices)
        .where(invoices.c.id == event.invoice_id, invoices.c.status == "issued")
        .values(status="uncollectible")
    )


async def mark_invoice_collectible(event: WriteOffReversed, uow: UnitOfWork) -> None:
    """ar-svc reversed a write-off: the invoice is owed again, uncollectible → issued."""
    await uow.session.execute(
        sa.update(invoices)
        .where(invoices.c.id == event.invoice_id, invoices.c.status == "uncollectible")
        .values(status="issued")
    )
