"""The contract's lifecycle: which state changes are allowed, and why others are refused.

drafted → (customer signs) → awaiting_countersignature → (company countersigns) → signed
drafted → (customer signs, automatic countersignature) → signed
signed → (start date) → active → (notice given) → terminated | (term ends, no renewal) → expired
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from contract_svc.domain.approvals import ApprovalStatus
from l2c_schemas.errors import Conflict


class ContractStatus(StrEnum):
    DRAFTED = "drafted"
    AWAITING_COUNTERSIGNATURE = "awaiting_countersignature"
    SIGNED = "signed"
    ACTIVE = "active"
    TERMINATED = "terminated"
    EXPIRED = "expired"


IN_FORCE = (ContractStatus.SIGNED, ContractStatus.ACTIVE)
"""Fully signed and not ended: may be amended, renewed or terminated."""


def sign(status: ContractStatus) -> ContractStatus:
    """The status after a signature. Only a drafted contract can be signed; signing a signed
    contract again is refused (Conflict), so one contract never places two orders."""
    return customer_signs(status, ApprovalStatus.NOT_REQUIRED, automatic_countersignature=True)


def customer_signs(
    status: ContractStatus, approval: ApprovalStatus, automatic_countersignature: bool
) -> ContractStatus:
    """The status after the customer's signature: signed when the company countersigns
    automatically, else awaiting the countersignature. Refused while non-standard terms wait
    for approval or were rejected, and on a contract that is not a draft."""
    if status is not ContractStatus.DRAFTED:
        raise Conflict(f"only a drafted contract can be signed; this one is {status.value}")
    if approval is ApprovalStatus.PENDING:
        raise Conflict("the contract's non-standard terms are awaiting approval")
    if approval is ApprovalStatus.REJECTED:
        raise Conflict("the contract's non-standard terms were rejected; revise the terms")
    if automatic_countersignature:
        return ContractStatus.SIGNED
    return ContractStatus.AWAITING_COUNTERSIGNATURE


def company_countersigns(status: ContractStatus) -> ContractStatus:
    """The company's countersignature completes a contract the customer signed."""
    if status is ContractStatus.DRAFTED:
        raise Conflict("the customer signs first; the company countersigns after")
    if status is not ContractStatus.AWAITING_COUNTERSIGNATURE:
        raise Conflict(f"this contract is {status.value}; there is nothing to countersign")
    return ContractStatus.SIGNED


def check_terms_revisable(status: ContractStatus) -> None:
    """Terms and clauses change only on a draft: a signature binds the signed text."""
    if status is not ContractStatus.DRAFTED:
        raise Conflict(f"terms can change only while drafted; this contract is {status.value}")


def is_due_for_activation(status: ContractStatus, start_date: date, today: date) -> bool:
    """A signed contract becomes active on its start date (or the first day after it)."""
    return status is ContractStatus.SIGNED and start_date <= today


def check_in_force(status: ContractStatus, action: str) -> None:
    """Amending, renewing and terminating need a fully signed contract that has not ended."""
    if status not in IN_FORCE:
        raise Conflict(f"cannot {action} a contract that is {status.value}")
