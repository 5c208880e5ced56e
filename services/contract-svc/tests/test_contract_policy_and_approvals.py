"""Standard terms from the policy, and who must approve non-standard ones."""

from decimal import Decimal

import pytest

from contract_svc.domain.approvals import (
    ApprovalStatus,
    ApprovalStep,
    StepState,
    chain_status,
    required_approvals,
    step_to_decide,
)
from contract_svc.domain.policy import ContractPolicy, standard_terms
from l2c_runtime.errors import Conflict, RuleViolation

POLICY = ContractPolicy()


def test_the_default_policy_renews_automatically_with_3_percent_uplift_and_60_days_notice() -> None:
    terms = standard_terms(POLICY, payment_terms_days=30)
    assert terms.auto_renew is True
    assert terms.uplift_percent == Decimal("3")
    assert terms.renewal_notice_days == 60
    assert terms.billing_timing == "in_advance"
    assert terms.payment_terms_days == 30
    assert terms.automatic_countersignature is True


def test_the_journeys_net_30_without_custom_clauses_needs_no_approval() -> None:
    assert required_approvals(standard_terms(POLICY, 30), [], POLICY) == []


def test_net_45_is_still_standard_but_net_46_needs_finance() -> None:
    assert required_approvals(standard_terms(POLICY, 45), [], POLICY) == []
    assert required_approvals(standard_terms(POLICY, 46), [], POLICY) == [
        ApprovalStep("finance", "payment terms net 46 exceed the standard net 45")
    ]


def test_a_custom_clause_needs_legal_before_finance() -> None:
    steps = required_approvals(standard_terms(POLICY, 60), ["Most favoured customer"], POLICY)
    assert [s.role for s in steps] == ["legal", "finance"]
    assert steps[0].reason == "custom clause 'Most favoured customer'"


def test_a_stricter_policy_table_row_moves_the_finance_threshold() -> None:
    strict = ContractPolicy(max_standard_payment_terms_days=14)
    assert [s.role for s in required_approvals(standard_terms(strict, 30), [], strict)] == [
        "finance"
    ]


@pytest.mark.parametrize("days", [-1, 366])
def test_payment_terms_outside_net_0_to_365_are_refused(days: int) -> None:
    with pytest.raises(RuleViolation, match="payment terms"):
        standard_terms(POLICY, days)


def test_a_negative_uplift_is_refused() -> None:
    with pytest.raises(RuleViolation, match="uplift"):
        standard_terms(POLICY, 30).revised(uplift_percent=Decimal("-1"))


CHAIN = [StepState(1, "legal", "pending"), StepState(2, "finance", "pending")]


def test_the_first_pending_step_decides_first() -> None:
    assert step_to_decide(CHAIN, 1).role == "legal"
    with pytest.raises(Conflict, match="step 1 \\(legal\\) decides first"):
        step_to_decide(CHAIN, 2)


def test_a_decided_chain_has_nothing_to_decide() -> None:
    done = [StepState(1, "legal", "approved")]
    with pytest.raises(Conflict, match="no approval is pending"):
        step_to_decide(done, 1)


def test_chain_status_is_pending_until_every_step_approved_and_rejected_at_the_first_no() -> None:
    assert chain_status([]) is ApprovalStatus.NOT_REQUIRED
    assert chain_status(CHAIN) is ApprovalStatus.PENDING
    half = [StepState(1, "legal", "approved"), StepState(2, "finance", "pending")]
    assert chain_status(half) is ApprovalStatus.PENDING
    both = [StepState(1, "legal", "approved"), StepState(2, "finance", "approved")]
    assert chain_status(both) is ApprovalStatus.APPROVED
    assert chain_status([StepState(1, "legal", "rejected"), CHAIN[1]]) is ApprovalStatus.REJECTED
