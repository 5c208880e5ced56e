"""Which signatures and transitions a contract accepts, and the reasons it refuses others."""

from datetime import date

import pytest

from contract_svc.domain.approvals import ApprovalStatus
from contract_svc.domain.lifecycle import (
    ContractStatus,
    check_in_force,
    check_terms_revisable,
    company_countersigns,
    customer_signs,
    is_due_for_activation,
    sign,
)
from l2c_runtime.errors import Conflict

S = ContractStatus
FREE = ApprovalStatus.NOT_REQUIRED


def test_signing_a_drafted_contract_makes_it_signed() -> None:
    assert sign(S.DRAFTED) is S.SIGNED


def test_signing_a_signed_contract_is_refused() -> None:
    with pytest.raises(Conflict):
        sign(S.SIGNED)


def test_with_automatic_countersignature_the_customers_signature_completes_the_contract() -> None:
    assert customer_signs(S.DRAFTED, FREE, automatic_countersignature=True) is S.SIGNED


def test_without_it_the_contract_waits_for_the_company() -> None:
    waiting = customer_signs(S.DRAFTED, FREE, automatic_countersignature=False)
    assert waiting is S.AWAITING_COUNTERSIGNATURE
    assert company_countersigns(waiting) is S.SIGNED


def test_the_company_cannot_countersign_before_the_customer_signed() -> None:
    with pytest.raises(Conflict, match="the customer signs first"):
        company_countersigns(S.DRAFTED)


def test_signing_is_refused_while_terms_await_approval() -> None:
    with pytest.raises(Conflict, match="awaiting approval"):
        customer_signs(S.DRAFTED, ApprovalStatus.PENDING, automatic_countersignature=True)


def test_signing_is_refused_after_terms_were_rejected() -> None:
    with pytest.raises(Conflict, match="rejected; revise the terms"):
        customer_signs(S.DRAFTED, ApprovalStatus.REJECTED, automatic_countersignature=True)


def test_approved_terms_can_be_signed() -> None:
    assert customer_signs(S.DRAFTED, ApprovalStatus.APPROVED, True) is S.SIGNED


def test_terms_of_a_signed_contract_cannot_change() -> None:
    check_terms_revisable(S.DRAFTED)
    with pytest.raises(Conflict, match="only while drafted"):
        check_terms_revisable(S.SIGNED)


def test_a_signed_contract_activates_on_its_start_date_not_before() -> None:
    start = date(2026, 11, 27)
    assert not is_due_for_activation(S.SIGNED, start, date(2026, 11, 26))
    assert is_due_for_activation(S.SIGNED, start, start)
    assert is_due_for_activation(S.SIGNED, start, date(2026, 12, 1))
    assert not is_due_for_activation(S.DRAFTED, start, start)
    assert not is_due_for_activation(S.ACTIVE, start, start)


@pytest.mark.parametrize(
    "status", [S.DRAFTED, S.AWAITING_COUNTERSIGNATURE, S.TERMINATED, S.EXPIRED]
)
def test_only_signed_or_active_contracts_are_amended_renewed_or_terminated(
    status: ContractStatus,
) -> None:
    with pytest.raises(Conflict, match=f"cannot renew a contract that is {status.value}"):
        check_in_force(status, "renew")
    check_in_force(S.SIGNED, "renew")
    check_in_force(S.ACTIVE, "renew")
