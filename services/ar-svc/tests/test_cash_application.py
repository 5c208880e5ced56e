from datetime import date
from decimal import Decimal
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from ar_svc.domain.cash_application import OpenInvoice, apply_payment

JAN = OpenInvoice(uuid4(), "INV-2026-000001", date(2026, 1, 1), Decimal("1102.50"))
FEB = OpenInvoice(uuid4(), "INV-2026-000002", date(2026, 2, 1), Decimal("1102.50"))
MAR = OpenInvoice(uuid4(), "INV-2026-000003", date(2026, 3, 1), Decimal("2602.50"))


def test_exact_payment_pays_the_oldest_invoice_in_full() -> None:
    result = apply_payment(Decimal("1102.50"), [FEB, JAN])
    assert [(a.invoice_number, a.amount, a.remaining_balance) for a in result.allocations] == [
        ("INV-2026-000001", Decimal("1102.50"), Decimal("0.00"))
    ]
    assert result.unapplied == Decimal("0.00")


def test_referenced_invoice_is_paid_before_older_ones() -> None:
    result = apply_payment(Decimal("3000.00"), [JAN, FEB, MAR], "INV-2026-000003")
    # 3000.00 → 2602.50 to March (referenced), the remaining 397.50 to January (oldest)
    assert [(a.invoice_number, a.amount) for a in result.allocations] == [
        ("INV-2026-000003", Decimal("2602.50")),
        ("INV-2026-000001", Decimal("397.50")),
    ]
    assert result.allocations[1].remaining_balance == Decimal("705.00")
    assert result.unapplied == Decimal("0.00")


def test_partial_payment_leaves_the_rest_open() -> None:
    result = apply_payment(Decimal("100.00"), [JAN])
    assert result.allocations[0].remaining_balance == Decimal("1002.50")


def test_overpayment_becomes_unapplied_cash() -> None:
    result = apply_payment(Decimal("5000.00"), [JAN, FEB])
    assert result.applied == Decimal("2205.00")
    assert result.unapplied == Decimal("2795.00")


amounts = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False)


@given(payment=amounts, balances=st.lists(amounts, max_size=6))
def test_applied_cash_never_exceeds_the_payment_and_nothing_is_lost(
    payment: Decimal, balances: list[Decimal]
) -> None:
    invoices = [
        OpenInvoice(uuid4(), f"INV-{i:03d}", date(2026, 1, 1 + i), b)
        for i, b in enumerate(balances)
    ]
    result = apply_payment(payment, invoices)
    assert result.applied <= payment
    assert result.applied + result.unapplied == payment
    by_id = {inv.invoice_id: inv.balance for inv in invoices}
    for allocation in result.allocations:
        assert 0 < allocation.amount <= by_id[allocation.invoice_id]
    # Cash stays unapplied only when every open invoice is paid in full.
    if result.unapplied > 0:
        assert result.applied == sum(balances, Decimal(0))


def test_unreferenced_payment_of_exactly_one_invoices_balance_pays_that_invoice() -> None:
    # 2602.50 matches March only; oldest-first would have spread it over January and February.
    result = apply_payment(Decimal("2602.50"), [JAN, FEB, MAR])
    assert [(a.invoice_number, a.amount) for a in result.allocations] == [
        ("INV-2026-000003", Decimal("2602.50"))
    ]


def test_exact_amount_matching_two_invoices_falls_back_to_oldest_first() -> None:
    # 1102.50 equals both January and February: ambiguous, so the oldest (January) is paid.
    result = apply_payment(Decimal("1102.50"), [FEB, JAN])
    assert [a.invoice_number for a in result.allocations] == ["INV-2026-000001"]


def test_reference_to_a_paid_invoice_falls_back_to_the_exact_amount_match() -> None:
    result = apply_payment(Decimal("2602.50"), [JAN, MAR], "INV-2025-000099")
    assert [a.invoice_number for a in result.allocations] == ["INV-2026-000003"]


def test_reference_wins_over_an_exact_amount_match() -> None:
    result = apply_payment(Decimal("1102.50"), [JAN, MAR], "INV-2026-000003")
    assert [(a.invoice_number, a.amount, a.remaining_balance) for a in result.allocations] == [
        ("INV-2026-000003", Decimal("1102.50"), Decimal("1500.00"))
    ]
