"""The discount approval policy, as a table."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cpq_svc.domain.approvals import (
    ApprovalStep,
    ApprovalThreshold,
    approval_chain,
    ensure_decidable,
    pending_reason,
    policy_limit,
)
from l2c_runtime.errors import Conflict

POLICY = [
    ApprovalThreshold(2, "finance", Decimal(30)),
    ApprovalThreshold(1, "sales_manager", Decimal(15)),
]


@pytest.mark.parametrize(
    ("discount", "roles"),
    [
        ("0", []),
        ("10", []),  # the journey's discount is approved automatically
        ("15", []),  # at the threshold: still within policy
        ("15.01", ["sales_manager"]),
        ("30", ["sales_manager"]),
        ("30.01", ["sales_manager", "finance"]),
        ("100", ["sales_manager", "finance"]),
    ],
)
def test_a_discount_needs_every_approval_whose_threshold_it_exceeds_in_order(
    discount: str, roles: list[str]
) -> None:
    assert [t.role for t in approval_chain(Decimal(discount), POLICY)] == roles


def test_the_policy_limit_is_the_lowest_threshold() -> None:
    assert policy_limit(POLICY) == Decimal(15)
    assert policy_limit([]) is None


CHAIN = [ApprovalStep(1, "sales_manager", "pending"), ApprovalStep(2, "finance", "pending")]


def test_the_first_pending_step_may_be_decided() -> None:
    assert ensure_decidable(1, CHAIN).role == "sales_manager"


def test_a_later_step_waits_for_the_earlier_ones() -> None:
    with pytest.raises(Conflict, match=r"step 1 \(sales_manager\) must be approved before step 2"):
        ensure_decidable(2, CHAIN)


def test_a_decided_step_cannot_be_decided_again() -> None:
    chain = [ApprovalStep(1, "sales_manager", "approved"), CHAIN[1]]
    with pytest.raises(Conflict, match="already approved"):
        ensure_decidable(1, chain)
    assert ensure_decidable(2, chain).role == "finance"


def test_a_step_the_chain_does_not_have_is_refused() -> None:
    with pytest.raises(Conflict, match="no approval step 3"):
        ensure_decidable(3, CHAIN)


def test_the_pending_reason_names_the_first_waiting_step() -> None:
    assert pending_reason(CHAIN) == "approval step 1 (sales_manager) is pending"
    assert pending_reason([ApprovalStep(1, "sales_manager", "approved")]) is None
