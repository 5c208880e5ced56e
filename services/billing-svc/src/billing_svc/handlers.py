"""billing-svc's use cases: subscriptions from orders, invoices per billing period."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa

from billing_svc.adapters.tables import (
    invoice_lines,
    invoices,
    subscription_items,
    subscriptions,
    usage_events,
)
from billing_svc.billing_run import bill_subscriptions
from billing_svc.domain.drafting import bill_date
from billing_svc.revenue import reverse_schedule
from l2c_runtime.errors import Conflict, NotFound
from l2c_runtime.telemetry import current_traceparent, journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import InvoicePaid, Money, OrderPlaced, SubscriptionActivated
from l2c_schemas.ar import InvoiceWrittenOff
from l2c_schemas.billing import InvoiceVoided
from l2c_schemas.periods import months_in


async def activate_subscription(order: OrderPlaced, uow: UnitOfWork) -> UUID:
    """Turn an order into a subscription and bill its first period in advance."""
    existing = await uow.session.scalar(
        sa.select(subscriptions.c.id).where(subscriptions.c.order_id == order.order_id)
    )
    if existing is not None:
        return UUID(str(existing))
    now = uow.clock.now()
    subscription_id = uuid4()
    months = months_in(order.billing_period)
    timing = order.billing_timing
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
            next_period_start=bill_date(order.start_date, months, 0, timing),
            billing_timing=timing,
            trial_end=_trial_end(order),
            status="active",
            traceparent=current_traceparent(),
            activated_at=now,
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
        )
    )
    if timing == "in_advance":
        await issue_next_invoice(subscription_id, uow)  # the first period, billed at once
    return subscription_id


def _trial_end(order: OrderPlaced) -> date | None:
    """Last day of a free trial of `trial_days` from the start (an optional field contract-svc
    may add to OrderPlaced; without it there is no trial)."""
    days = int(getattr(order, "trial_days", 0) or 0)
    return order.start_date + timedelta(days=days - 1) if days > 0 else None


async def issue_next_invoice(subscription_id: UUID, uow: UnitOfWork) -> UUID | None:
    """Issue the invoice of the subscription's next unbilled period now, due or not (None when
    nothing is left to invoice)."""
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


async def list_invoices(uow: UnitOfWork, **filters: Any) -> list[dict[str, Any]]:
    query = sa.select(invoices).order_by(invoices.c.issued_at, invoices.c.invoice_number)
    for name, value in filters.items():
        if value is not None:
            query = query.where(invoices.c[name] == value)
    rows = (await uow.session.execute(query)).all()
    result = []
    for row in rows:
        lines = await uow.session.execute(
            sa.select(invoice_lines)
            .where(invoice_lines.c.invoice_id == row.id)
            .order_by(invoice_lines.c.line_no)
        )
        result.append({**row._mapping, "lines": [dict(line._mapping) for line in lines]})
    return result


async def void_invoice(invoice_id: UUID, reason: str, uow: UnitOfWork) -> dict[str, Any]:
    """Cancel an issued, unpaid invoice: issued → void, InvoiceVoided (ar-svc reverses the
    receivable). Its usage and adjustments are not re-billed: voiding is a cancellation."""
    row = (
        await uow.session.execute(
            sa.select(invoices).where(invoices.c.id == invoice_id).with_for_update()
        )
    ).first()
    if row is None:
        raise NotFound(f"no invoice {invoice_id}")
    if row.status != "issued":
        raise Conflict(
            f"invoice {row.invoice_number} is {row.status}; only an issued one can be voided"
        )
    now = uow.clock.now()
    with journey_span("void invoice", row.traceparent, {"l2c.lead_id": str(row.lead_id)}):
        await uow.session.execute(
            sa.update(invoices)
            .where(invoices.c.id == invoice_id)
            .values(status="void", voided_at=now, void_reason=reason)
        )
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


async def subscription_view(uow: UnitOfWork, **filters: Any) -> list[dict[str, Any]]:
    """Subscriptions with their current items and how much usage they recorded."""
    query = sa.select(subscriptions).order_by(subscriptions.c.activated_at)
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
