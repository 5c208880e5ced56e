"""The lifecycle events billing tells about a subscription as its state changes: an amendment
applied (SubscriptionChanged), a termination (SubscriptionTerminated); the trial's and the
term's end use `about` and `tell` too. Each is emitted by the handler that makes the change,
in its transaction (through the outbox)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy.engine import Row

from billing_svc.domain.drafting import Adjustment
from billing_svc.domain.invoicing import SubscriptionItem
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import InvoiceLine, Money
from l2c_schemas.base import Message
from l2c_schemas.billing import SubscriptionChanged, SubscriptionItemLine, SubscriptionTerminated


def about(sub: Row[Any]) -> dict[str, Any]:
    """The ids every lifecycle event of the subscription carries."""
    return {"lead_id": sub.lead_id, "account_id": sub.account_id, "subscription_id": sub.id}


async def tell(uow: UnitOfWork, sub: Row[Any], event: Message) -> None:
    """Emit an event of the subscription in the journey's trace (a job has no other)."""
    await uow.emit_many([(event, sub.traceparent)])


def _item_lines(items: list[SubscriptionItem], currency: str) -> list[SubscriptionItemLine]:
    return [
        SubscriptionItemLine(
            line_no=i.line_no,
            product_code=i.product_code,
            description=i.description,
            charge=i.charge,  # type: ignore[arg-type]
            quantity=i.quantity,
            unit_price=Money(amount=i.unit_price, currency=currency),
            discount_amount=Money(amount=i.discount_amount, currency=currency),
            net_amount=Money(amount=i.net_amount, currency=currency),
        )
        for i in items
    ]


def proration_lines(adjustments: list[Adjustment], currency: str) -> list[InvoiceLine]:
    """The proration as lines: a charge positive, a credit negative."""
    return [
        InvoiceLine(
            line_no=n,
            product_code=a.product_code,
            description=a.description,
            quantity=a.quantity,
            unit_price=Money(amount=a.amount, currency=currency),
            amount=Money(amount=a.amount, currency=currency),
            period_start=a.period_start,
            period_end=a.period_end,
        )
        for n, a in enumerate(adjustments, start=1)
    ]


async def emit_changed(
    uow: UnitOfWork,
    sub: Row[Any],
    amendment_id: UUID,
    effective: date,
    reason: str,
    items: tuple[list[SubscriptionItem], list[SubscriptionItem]],
    proration: list[Adjustment],
) -> None:
    """SubscriptionChanged: the items went from `items[0]` to `items[1]` on `effective`,
    worth `proration` for the days of periods it reached into."""
    old, new = items
    currency = sub.currency
    total = sum((a.amount for a in proration), Decimal(0))
    changed = SubscriptionChanged(
        **about(sub),
        contract_id=sub.contract_id,
        amendment_id=amendment_id,
        currency=currency,
        effective_date=effective,
        reason=reason,
        old_items=_item_lines(old, currency),
        new_items=_item_lines(new, currency),
        proration=proration_lines(proration, currency),
        proration_total=Money(amount=total, currency=currency),
        changed_at=uow.clock.now(),
    )
    await tell(uow, sub, changed)


async def emit_terminated(
    uow: UnitOfWork,
    sub: Row[Any],
    last_day: date,
    reason: str,
    during_trial: bool,
    credit: tuple[UUID, Money] | None,
) -> None:
    """SubscriptionTerminated, with the credit note of the days invoiced after the last day."""
    terminated = SubscriptionTerminated(
        **about(sub),
        contract_id=sub.contract_id,
        last_day=last_day,
        reason=reason,
        during_trial=during_trial,
        final_credit=credit[1] if credit else None,
        credit_note_id=credit[0] if credit else None,
        terminated_at=uow.clock.now(),
    )
    await tell(uow, sub, terminated)
