"""The dispute rules, by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ar_svc.domain.disputes import check_opening, check_resolving, credit_split
from l2c_schemas.errors import Conflict, RuleViolation

D = Decimal


def test_a_dispute_is_for_part_or_all_of_an_invoice_not_closed_and_not_already_disputed() -> None:
    check_opening(D("1190.00"), D("1190.00"), "open", False)
    check_opening(D("0.01"), D("1190.00"), "paid", False)  # a paid invoice may be disputed
    with pytest.raises(RuleViolation, match="exceeds"):
        check_opening(D("1190.01"), D("1190.00"), "open", False)
    with pytest.raises(RuleViolation, match="positive"):
        check_opening(D("-1"), D("1190.00"), "open", False)
    with pytest.raises(RuleViolation, match="written off cannot"):
        check_opening(D("1"), D("1190.00"), "written_off", False)
    with pytest.raises(RuleViolation, match="more than 0 decimals"):
        check_opening(D("1.5"), D("100"), "open", False, places=0)
    with pytest.raises(Conflict, match="open dispute"):
        check_opening(D("1"), D("1190.00"), "open", True)


def test_only_an_open_dispute_is_resolved() -> None:
    check_resolving("open")
    for status in ("upheld", "rejected"):
        with pytest.raises(Conflict, match=f"already {status}"):
            check_resolving(status)


def test_an_upheld_credit_pays_what_is_owed_and_the_rest_is_customer_credit() -> None:
    assert credit_split(D("300.00"), D("1000.00")) == (D("300.00"), D("0.00"))
    assert credit_split(D("250.00"), D("100.00")) == (D("100.00"), D("150.00"))
    assert credit_split(D("250.00"), D("0.00")) == (D("0.00"), D("250.00"))
    assert credit_split(D("250.00"), D("-20.00")) == (D("0"), D("250.00"))
