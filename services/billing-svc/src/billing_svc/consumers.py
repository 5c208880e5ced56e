"""Events billing-svc reacts to."""

from __future__ import annotations

from collections.abc import Sequence

from billing_svc.handlers import amendments, metering, terms
from billing_svc.handlers import invoices as handlers
from l2c_runtime.consumer import Delivery, EventHandlers
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import InvoicePaid, OrderPlaced
from l2c_schemas.ar import InvoiceWrittenOff, WriteOffReversed
from l2c_schemas.billing import UsageRecorded
from l2c_schemas.contract import ContractAmended, ContractRenewed, ContractTerminated
from l2c_schemas.envelope import CloudEvent

subscriptions = EventHandlers()


@subscriptions.on(OrderPlaced)
async def on_order_placed(event: OrderPlaced, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.activate_subscription(event, uow)


@subscriptions.on(ContractAmended)
async def on_contract_amended(event: ContractAmended, uow: UnitOfWork, _: CloudEvent) -> None:
    await amendments.amend_subscription(event, uow)


@subscriptions.on(ContractRenewed)
async def on_contract_renewed(event: ContractRenewed, uow: UnitOfWork, _: CloudEvent) -> None:
    await terms.renew_subscription(event, uow)


@subscriptions.on(ContractTerminated)
async def on_contract_terminated(event: ContractTerminated, uow: UnitOfWork, _: CloudEvent) -> None:
    await terms.terminate_subscription(event, uow)


# Stored once per usage event id (ON CONFLICT DO NOTHING), so no inbox row is needed.
@subscriptions.on_batch(UsageRecorded, idempotent_writes=True)
async def on_usage_recorded(deliveries: Sequence[Delivery[UsageRecorded]], uow: UnitOfWork) -> None:
    await metering.record_usage_many([delivery.message for delivery in deliveries], uow)


@subscriptions.on(InvoicePaid)
async def on_invoice_paid(event: InvoicePaid, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.mark_invoice_paid(event, uow)


@subscriptions.on(InvoiceWrittenOff)
async def on_invoice_written_off(event: InvoiceWrittenOff, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.mark_invoice_uncollectible(event, uow)


@subscriptions.on(WriteOffReversed)
async def on_write_off_reversed(event: WriteOffReversed, uow: UnitOfWork, _: CloudEvent) -> None:
    await handlers.mark_invoice_collectible(event, uow)
