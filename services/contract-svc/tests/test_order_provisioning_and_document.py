"""Provisioning outcomes of an order, and the contract document's fingerprint."""

from datetime import date
from decimal import Decimal

import pytest

from contract_svc.domain.document import document_hash
from contract_svc.domain.orders import OrderStatus, after_report, retry_provisioning
from l2c_runtime.errors import Conflict


def test_a_successful_report_provisions_a_placed_order() -> None:
    assert after_report(OrderStatus.PLACED, "succeeded") is OrderStatus.PROVISIONED


def test_a_failed_report_makes_the_failure_visible_and_a_retry_places_it_again() -> None:
    failed = after_report(OrderStatus.PLACED, "failed")
    assert failed is OrderStatus.PROVISIONING_FAILED
    assert retry_provisioning(failed) is OrderStatus.PLACED


def test_a_late_success_after_a_failure_still_provisions() -> None:
    assert after_report(OrderStatus.PROVISIONING_FAILED, "succeeded") is OrderStatus.PROVISIONED


def test_reports_about_a_provisioned_order_change_nothing() -> None:
    assert after_report(OrderStatus.PROVISIONED, "failed") is None
    assert after_report(OrderStatus.PROVISIONED, "succeeded") is None


@pytest.mark.parametrize("status", [OrderStatus.PLACED, OrderStatus.PROVISIONED])
def test_only_a_failed_provisioning_is_retried(status: OrderStatus) -> None:
    with pytest.raises(Conflict, match="only a failed provisioning can be retried"):
        retry_provisioning(status)


def test_the_document_hash_ignores_key_order_but_not_content() -> None:
    a = {"start": date(2026, 11, 27), "amount": Decimal("1102.50"), "clauses": ["x"]}
    b = {"clauses": ["x"], "amount": Decimal("1102.50"), "start": date(2026, 11, 27)}
    assert document_hash(a) == document_hash(b)
    assert len(document_hash(a)) == 64
    assert document_hash(a) != document_hash({**a, "amount": Decimal("1102.51")})
