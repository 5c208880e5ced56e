"""An order's provisioning: placed, then provisioned or failed; a failure can be retried."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from l2c_schemas.errors import Conflict


class OrderStatus(StrEnum):
    PLACED = "placed"
    PROVISIONED = "provisioned"
    PROVISIONING_FAILED = "provisioning_failed"


def after_report(
    status: OrderStatus, outcome: Literal["succeeded", "failed"]
) -> OrderStatus | None:
    """The order's status after a provisioning report, or None when the report changes
    nothing: a provisioned order stays provisioned (a late or repeated report is ignored)."""
    if status is OrderStatus.PROVISIONED:
        return None
    if outcome == "succeeded":
        return OrderStatus.PROVISIONED
    return OrderStatus.PROVISIONING_FAILED


def retry_provisioning(status: OrderStatus) -> OrderStatus:
    """Only a failed provisioning is retried; the order is placed again."""
    if status is not OrderStatus.PROVISIONING_FAILED:
        raise Conflict(f"only a failed provisioning can be retried; this order is {status.value}")
    return OrderStatus.PLACED
