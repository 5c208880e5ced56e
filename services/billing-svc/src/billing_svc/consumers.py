"""Events billing-svc reacts to."""

from __future__ import annotations

from billing_svc import handlers
from l2c_runtime.consumer import EventHandlers
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import InvoicePaid, OrderPlaced
from l2c_schemas.envelope import CloudEvent

subscriptions = EventHandlers()


@subscriptions.on(OrderPlaced)
async def on_order_placed(event: OrderPlaced, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.activate_subscription(event, uow)


@subscriptions.on(InvoicePaid)
async def on_invoice_paid(event: InvoicePaid, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.mark_invoice_paid(event, uow)
