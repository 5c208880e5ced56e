"""Orders after signature: provisioning results, visible failures and retries."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from contract_svc.adapters.tables import orders
from contract_svc.domain.orders import OrderStatus, after_report, retry_provisioning
from contract_svc.handlers.records import contract_span, find_contract
from l2c_runtime.errors import NotFound
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.contract import (
    OrderProvisioned,
    OrderProvisioningFailed,
    OrderProvisioningRequested,
    ProvisioningReported,
)


async def find_order(order_id: UUID, uow: UnitOfWork, lock: bool = False) -> dict[str, Any]:
    query = sa.select(orders).where(orders.c.id == order_id)
    found = (await uow.session.execute(query.with_for_update() if lock else query)).first()
    if found is None:
        raise NotFound(f"no order {order_id}")
    return dict(found._mapping)


async def report_provisioning(report: ProvisioningReported, uow: UnitOfWork) -> None:
    """A provisioning system reports an order's outcome: success → OrderProvisioned; failure
    → the order shows the failure and can be retried (OrderProvisioningFailed)."""
    order = await find_order(report.order_id, uow, lock=True)
    status = after_report(OrderStatus(order["status"]), report.status)
    if status is None:
        return
    record = await find_contract(order["contract_id"], uow)
    assert record is not None
    row = record.row
    now = uow.clock.now()
    values: dict[str, Any] = {"status": status.value, "updated_at": now}
    if status is OrderStatus.PROVISIONED:
        values["provisioned_at"] = now
    else:
        values["last_failure"] = report.detail or "provisioning failed (no detail given)"
    await uow.session.execute(sa.update(orders).where(orders.c.id == order["id"]).values(values))
    with contract_span(f"order provisioning {report.status}", record):
        if status is OrderStatus.PROVISIONED:
            await uow.emit(
                OrderProvisioned(
                    lead_id=row["lead_id"],
                    account_id=row["account_id"],
                    order_id=order["id"],
                    contract_id=record.id,
                    detail=report.detail,
                    provisioned_at=now,
                )
            )
        else:
            await uow.emit(
                OrderProvisioningFailed(
                    lead_id=row["lead_id"],
                    account_id=row["account_id"],
                    order_id=order["id"],
                    contract_id=record.id,
                    attempt=order["attempt"],
                    detail=values["last_failure"],
                    failed_at=now,
                )
            )


async def retry_order_provisioning(order_id: UUID, uow: UnitOfWork) -> int:
    """Ask provisioning again for a failed order (OrderProvisioningRequested); returns the
    attempt number."""
    order = await find_order(order_id, uow, lock=True)
    status = retry_provisioning(OrderStatus(order["status"]))
    record = await find_contract(order["contract_id"], uow)
    assert record is not None
    attempt = int(order["attempt"]) + 1
    now = uow.clock.now()
    with contract_span("retry order provisioning", record):
        await uow.session.execute(
            sa.update(orders)
            .where(orders.c.id == order_id)
            .values(status=status.value, attempt=attempt, updated_at=now)
        )
        await uow.emit(
            OrderProvisioningRequested(
                lead_id=record.row["lead_id"],
                account_id=record.row["account_id"],
                order_id=order_id,
                contract_id=record.id,
                attempt=attempt,
                lines=record.lines,
                requested_at=now,
            )
        )
    return attempt
