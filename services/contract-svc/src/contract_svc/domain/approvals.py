"""Approval of non-standard contract terms, as data: which roles must approve, in which
order, and what deciding a step does to the chain."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from contract_svc.domain.policy import ContractPolicy, ContractTerms
from l2c_schemas.errors import Conflict

ApproverRole = Literal["legal", "finance"]
CHAIN_ORDER: tuple[ApproverRole, ...] = ("legal", "finance")
"""Legal reviews the wording first, then finance the money terms."""


class ApprovalStatus(StrEnum):
    NOT_REQUIRED = "not_required"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ApprovalStep:
    role: ApproverRole
    reason: str


def required_approvals(
    terms: ContractTerms, custom_clause_titles: list[str], policy: ContractPolicy
) -> list[ApprovalStep]:
    """The approval chain of a contract, in order (empty for standard terms): custom clauses
    need legal; payment terms beyond the policy's standard (e.g. net 60 when net 45 is the
    limit) need finance. Net 30 without custom clauses needs nobody."""
    reasons: dict[ApproverRole, list[str]] = {"legal": [], "finance": []}
    for title in custom_clause_titles:
        reasons["legal"].append(f"custom clause {title!r}")
    if terms.payment_terms_days > policy.max_standard_payment_terms_days:
        reasons["finance"].append(
            f"payment terms net {terms.payment_terms_days} exceed the standard net "
            f"{policy.max_standard_payment_terms_days}"
        )
    return [ApprovalStep(role, "; ".join(reasons[role])) for role in CHAIN_ORDER if reasons[role]]


@dataclass(frozen=True)
class StepState:
    step_no: int
    role: ApproverRole
    status: Literal["pending", "approved", "rejected"]


def step_to_decide(chain: list[StepState], step_no: int) -> StepState:
    """The step that may be decided now: the first pending one. Deciding a later step before
    an earlier one, or a decided step again, is refused (Conflict)."""
    current = next((s for s in chain if s.status == "pending"), None)
    if current is None:
        raise Conflict("no approval is pending on this contract")
    if current.step_no != step_no:
        raise Conflict(
            f"step {step_no} cannot be decided yet: step {current.step_no} ({current.role}) "
            "decides first"
        )
    return current


def chain_status(chain: list[StepState]) -> ApprovalStatus:
    """A chain is rejected as soon as one step rejects, approved when every step approved,
    pending otherwise; an empty chain needs no approval."""
    if not chain:
        return ApprovalStatus.NOT_REQUIRED
    if any(s.status == "rejected" for s in chain):
        return ApprovalStatus.REJECTED
    if all(s.status == "approved" for s in chain):
        return ApprovalStatus.APPROVED
    return ApprovalStatus.PENDING
