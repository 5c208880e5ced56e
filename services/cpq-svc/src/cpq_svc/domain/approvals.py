"""Discount approvals as data: thresholds name who must approve a discount, in order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from l2c_schemas.errors import Conflict

StepStatus = Literal["pending", "approved", "rejected"]


@dataclass(frozen=True)
class ApprovalThreshold:
    """A discretionary discount above `above_percent` needs `role`'s approval, as step
    `step_no` of the chain."""

    step_no: int
    role: str
    above_percent: Decimal


@dataclass(frozen=True)
class ApprovalStep:
    step_no: int
    role: str
    status: StepStatus


def approval_chain(
    discount_percent: Decimal, thresholds: Iterable[ApprovalThreshold]
) -> list[ApprovalThreshold]:
    """The approvals a discount needs, in step order: every threshold it exceeds. A discount
    at or under every threshold needs none (approved automatically). With the default policy
    20 % needs the sales manager, 35 % the sales manager then finance."""
    return sorted(
        (t for t in thresholds if discount_percent > t.above_percent), key=lambda t: t.step_no
    )


def policy_limit(thresholds: Iterable[ApprovalThreshold]) -> Decimal | None:
    """The highest discount a salesperson may give without approval (the lowest threshold)."""
    limits = [t.above_percent for t in thresholds]
    return min(limits) if limits else None


def ensure_decidable(step_no: int, chain: Sequence[ApprovalStep]) -> ApprovalStep:
    """The step may be decided now: it exists, is pending, and every earlier step is approved.
    Conflict with the reason otherwise."""
    step = next((s for s in chain if s.step_no == step_no), None)
    if step is None:
        steps = ", ".join(str(s.step_no) for s in chain) or "none"
        raise Conflict(f"the quote has no approval step {step_no} (its steps: {steps})")
    if step.status != "pending":
        raise Conflict(f"approval step {step_no} ({step.role}) is already {step.status}")
    waiting = [s for s in chain if s.step_no < step_no and s.status != "approved"]
    if waiting:
        first = waiting[0]
        raise Conflict(
            f"approval step {first.step_no} ({first.role}) must be approved before step {step_no}"
        )
    return step


def pending_reason(chain: Sequence[ApprovalStep]) -> str | None:
    """Why the quote is waiting, or None when no approval is pending."""
    pending = [s for s in chain if s.status == "pending"]
    if not pending:
        return None
    first = pending[0]
    return f"approval step {first.step_no} ({first.role}) is pending"
