"""billing-svc's use cases: subscriptions from orders, invoices per billing period."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from billing_svc.adapters.tables import (
    invoice_lines,
    invoice_number_sequences,
    invoices,
    subscription_items,
    subscriptions,
)
from billing_svc.domain.invoicing import (
    SubscriptionItem,
    billing_period,
    due_date,
    invoice_number,
    invoice_totals,
)
from billing_svc.domain.invoicing import (
    invoice_lines as lines_for_period,
)
from l2c_runtime.errors import NotFound
from l2c_runtime.telemetry import current_traceparent
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import (
    InvoiceIssued,
    InvoiceLine,
    InvoicePaid,
    Money,
    OrderPlaced,
    SubscriptionActivated,
)

LEGAL_ENTITY = "INV"
TAX_RATE = Decimal("0")  # tax jurisdictions arrive with the billing issue


async def activate_subscription(order: OrderPlaced, uow: UnitOfWork) -> UUID:
    """Turn an order into a subscription and bill its first period in advance."""
    existing = await uow.session.scalar(
        sa.select(subscriptions.c.id).where(subscriptions.c.order_id == order.order_id)
    )
    if existing is not None:
        return UUID(str(existing))
    now = uow.clock.now()
    subscription_id = uuid4()
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
            next_period_start=order.start_date,
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
    await issue_next_invoice(subscription_id, uow)
    return subscription_id


async def issue_next_invoice(subscription_id: UUID, uow: UnitOfWork) -> UUID | None:
    """Issue the invoice of the subscription's next unbilled period (None when none is left)."""
    sub = (
        await uow.session.execute(
            sa.select(subscriptions).where(subscriptions.c.id == subscription_id).with_for_update()
        )
    ).first()
    if sub is None:
        raise NotFound(f"no subscription {subscription_id}")
    if sub.next_period_start is None or sub.next_period_start > sub.end_date:
        return None
    items = [
        SubscriptionItem(
            line_no=row.line_no,
            product_code=row.product_code,
            description=row.description,
            charge=row.charge,
            quantity=row.quantity,
            unit_price=row.unit_price,
            discount_amount=row.discount_amount,
            net_amount=row.net_amount,
        )
        for row in await uow.session.execute(
            sa.select(subscription_items)
            .where(subscription_items.c.subscription_id == subscription_id)
            .order_by(subscription_items.c.line_no)
        )
    ]
    period = billing_period(sub.next_period_start, sub.billing_period, sub.end_date)
    lines = lines_for_period(items, sub.currency, period, period[0] == sub.start_date)
    totals = invoice_totals(lines, sub.currency, TAX_RATE)
    now = uow.clock.now()
    issue_date = now.date()
    number = invoice_number(LEGAL_ENTITY, issue_date.year, await _next_number(uow, issue_date.year))
    invoice_id = uuid4()
    due = due_date(issue_date, sub.payment_terms_days)
    await uow.session.execute(
        sa.insert(invoices).values(
            id=invoice_id,
            invoice_number=number,
            subscription_id=subscription_id,
            lead_id=sub.lead_id,
            account_id=sub.account_id,
            customer_name=sub.customer_name,
            currency=sub.currency,
            period_start=period[0],
            period_end=period[1],
            issue_date=issue_date,
            due_date=due,
            subtotal=totals.subtotal,
            tax_total=totals.tax_total,
            total=totals.total,
            status="issued",
            traceparent=current_traceparent(),
            issued_at=now,
        )
    )
    await uow.session.execute(
        sa.insert(invoice_lines),
        [{"invoice_id": invoice_id, **vars(line)} for line in lines],
    )
    await uow.session.execute(
        sa.update(subscriptions)
        .where(subscriptions.c.id == subscription_id)
        .values(next_period_start=period[1] + timedelta(days=1))
    )

    def money(amount: Decimal) -> Money:
        return Money(amount=amount, currency=sub.currency)

    await uow.emit(
        InvoiceIssued(
            lead_id=sub.lead_id,
            account_id=sub.account_id,
            invoice_id=invoice_id,
            invoice_number=number,
            subscription_id=subscription_id,
            customer_name=sub.customer_name,
            currency=sub.currency,
            issue_date=issue_date,
            due_date=due,
            period_start=period[0],
            period_end=period[1],
            lines=[
                InvoiceLine(
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
            subtotal=money(totals.subtotal),
            tax_total=money(totals.tax_total),
            total=money(totals.total),
            issued_at=now,
        )
    )
    return invoice_id


async def _next_number(uow: UnitOfWork, year: int) -> int:
    """Next invoice number of the year. The counter row stays locked until the issuing
    transaction ends, so numbers are gapless: a rolled-back invoice gives its number back."""
    statement = (
        pg_insert(invoice_number_sequences)
        .values(legal_entity=LEGAL_ENTITY, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=["legal_entity", "year"],
            set_={"last_number": invoice_number_sequences.c.last_number + 1},
        )
        .returning(invoice_number_sequences.c.last_number)
    )
    return int((await uow.session.execute(statement)).scalar_one())


async def mark_invoice_paid(event: InvoicePaid, uow: UnitOfWork) -> None:
    await uow.session.execute(
        sa.update(invoices)
        .where(invoices.c.id == event.invoice_id, invoices.c.status == "issued")
        .values(status="paid", paid_at=event.paid_at)
    )


async def list_invoices(uow: UnitOfWork, **filters: Any) -> list[dict[str, Any]]:
    query = sa.select(invoices).order_by(invoices.c.issued_at)
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
