"""Credit notes by hand: what is left to credit, and the tax on the credited part."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing_svc.domain.crediting import (
    InvoiceCredits,
    InvoiceLineLeft,
    needs_approval,
    plan_credit,
)
from l2c_schemas.errors import RuleViolation

D = Decimal
JAN = (date(2026, 1, 1), date(2026, 1, 31))


def _line(no: int, amount: str, credited: str = "0") -> InvoiceLineLeft:
    return InvoiceLineLeft(no, f"P{no}", f"Product {no}", D(1), D(amount), D(credited), *JAN)


def _invoice(**changes: object) -> InvoiceCredits:
    """Two lines, 100.00 and 50.00, at 21 %: subtotal 150.00, tax 31.50, total 181.50."""
    base = InvoiceCredits(
        status="paid",
        currency="EUR",
        tax_rate=D("0.21"),
        subtotal=D("150.00"),
        tax_total=D("31.50"),
        credited_subtotal=D(0),
        credited_tax=D(0),
        lines=(_line(1, "100.00"), _line(2, "50.00")),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_crediting_one_line_credits_its_amount_and_the_tax_on_it() -> None:
    plan = plan_credit(_invoice(), {2: D("50.00")})
    # 50.00 x 21 % = 10.50
    assert (plan.subtotal, plan.tax_total, plan.total) == (D("50.00"), D("10.50"), D("60.50"))
    assert [(line.line_no, line.amount) for line in plan.lines] == [(2, D("50.00"))]


def test_part_of_a_line_rounds_the_tax_half_up_once() -> None:
    plan = plan_credit(_invoice(), {1: D("33.35")})
    # 33.35 x 0.21 = 7.0035 -> 7.00
    assert (plan.tax_total, plan.total) == (D("7.00"), D("40.35"))
    plan = plan_credit(_invoice(), {1: D("0.50")})
    # 0.50 x 0.21 = 0.105 -> 0.11 (half-up)
    assert plan.tax_total == D("0.11")


def test_whole_invoice_after_a_line_credits_what_is_left_and_exactly_the_tax_left() -> None:
    after_line_2 = _invoice(
        credited_subtotal=D("50.00"),
        credited_tax=D("10.50"),
        lines=(_line(1, "100.00"), _line(2, "50.00", credited="50.00")),
    )
    plan = plan_credit(after_line_2, None)
    # 150.00 - 50.00 = 100.00 left; tax 31.50 - 10.50 = 21.00; total 121.00
    assert (plan.subtotal, plan.tax_total, plan.total) == (D("100.00"), D("21.00"), D("121.00"))
    assert [(line.line_no, line.amount) for line in plan.lines] == [(1, D("100.00"))]


def test_the_last_cent_of_tax_closes_the_invoice_exactly() -> None:
    # Three credits of 33.33, 33.33 and 33.34 on one 100.00 line at 21 % (tax 21.00):
    # 33.33 x 0.21 = 6.9993 -> 7.00 twice, and the last takes the tax left: 21.00 - 14.00 = 7.00.
    invoice = _invoice(subtotal=D("100.00"), tax_total=D("21.00"), lines=(_line(1, "100.00"),))
    first = plan_credit(invoice, {1: D("33.33")})
    assert first.tax_total == D("7.00")
    invoice = replace(
        invoice,
        credited_subtotal=D("66.66"),
        credited_tax=D("14.00"),
        lines=(_line(1, "100.00", credited="66.66"),),
    )
    last = plan_credit(invoice, {1: D("33.34")})
    assert (last.subtotal, last.tax_total) == (D("33.34"), D("7.00"))


def test_more_than_is_left_on_a_line_is_refused_with_what_is_left() -> None:
    invoice = _invoice(lines=(_line(1, "100.00"), _line(2, "50.00", credited="20.00")))
    with pytest.raises(RuleViolation, match=r"line 2 has only 30.00 EUR left"):
        plan_credit(invoice, {2: D("30.01")})


def test_credits_of_downgrades_count_against_the_invoice_as_a_whole() -> None:
    # A downgrade credited 140.00 of the subtotal (not by line): only 10.00 is left.
    invoice = _invoice(credited_subtotal=D("140.00"), credited_tax=D("29.40"))
    with pytest.raises(RuleViolation, match=r"only 10.00 EUR \(before tax\) left"):
        plan_credit(invoice, {1: D("10.01")})
    plan = plan_credit(invoice, {1: D("10.00")})
    assert plan.tax_total == D("2.10")  # 31.50 - 29.40: the tax left


@pytest.mark.parametrize(
    ("status", "requested", "reason"),
    [
        ("draft", {1: D("1.00")}, "draft cannot be credited"),
        ("void", {1: D("1.00")}, "void cannot be credited"),
        ("paid", {3: D("1.00")}, "no line 3"),
        ("paid", {1: D("0")}, "must be positive"),
        ("paid", {1: D("1.001")}, "more than 2 decimals"),
    ],
)
def test_refusals(status: str, requested: dict[int, Decimal], reason: str) -> None:
    with pytest.raises(RuleViolation, match=reason):
        plan_credit(_invoice(status=status), requested)


def test_nothing_left_to_credit_is_refused() -> None:
    done = _invoice(
        credited_subtotal=D("150.00"),
        credited_tax=D("31.50"),
        lines=(_line(1, "100.00", "100.00"), _line(2, "50.00", "50.00")),
    )
    with pytest.raises(RuleViolation, match="nothing is left"):
        plan_credit(done, None)


def test_approval_is_needed_only_above_the_threshold() -> None:
    assert not needs_approval(D("1000.00"), D("1000.00"))
    assert needs_approval(D("1000.01"), D("1000.00"))


@given(st.lists(st.integers(min_value=1, max_value=15_000), min_size=1, max_size=6))
def test_credits_never_exceed_the_invoice_and_the_last_one_closes_it(cents: list[int]) -> None:
    """Credit line 1 (150.00) piece by piece, then the rest: the credit notes add up exactly
    to the invoice's subtotal and tax, whatever the pieces."""
    invoice = _invoice(subtotal=D("150.00"), tax_total=D("31.50"), lines=(_line(1, "150.00"),))
    credited_sub, credited_tax = D(0), D(0)
    for c in cents:
        amount = D(c) / 100
        state = replace(
            invoice,
            credited_subtotal=credited_sub,
            credited_tax=credited_tax,
            lines=(_line(1, "150.00", str(credited_sub)),),
        )
        if amount > state.subtotal_left:
            with pytest.raises(RuleViolation):
                plan_credit(state, {1: amount})
            continue
        plan = plan_credit(state, {1: amount})
        credited_sub += plan.subtotal
        credited_tax += plan.tax_total
        assert credited_tax <= invoice.tax_total
    state = replace(
        invoice,
        credited_subtotal=credited_sub,
        credited_tax=credited_tax,
        lines=(_line(1, "150.00", str(credited_sub)),),
    )
    if credited_sub < invoice.subtotal:
        plan = plan_credit(state, None)
        credited_sub += plan.subtotal
        credited_tax += plan.tax_total
    assert (credited_sub, credited_tax) == (D("150.00"), D("31.50"))
