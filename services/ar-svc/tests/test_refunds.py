"""Refunds and reversed write-offs in the subledger: what is refundable, out of which funds,
and what a failed refund gives back (hand-computed)."""

from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ar_svc.domain.ledger import Ledger, LedgerError
from ar_svc.domain.refunds import check_refund, funding_sources, refundable
from l2c_schemas.errors import RuleViolation

D = Decimal


def _paid_and_credited() -> tuple[Ledger, UUID, UUID, UUID]:
    """181.50 paid in full, then 60.50 credited: the payment has nothing unapplied, the
    customer credit is 60.50."""
    ledger = Ledger()
    inv, pay, cn = uuid4(), uuid4(), uuid4()
    ledger.invoice(inv, D("181.50"))
    ledger.receive_payment(pay, D("181.50"))
    ledger.apply(uuid4(), inv, D("181.50"), payment_id=pay)
    ledger.issue_credit(cn, D("60.50"))
    return ledger, inv, pay, cn


def test_a_payment_refund_draws_on_the_payment_then_the_customer_credit() -> None:
    ledger, inv, pay, cn = _paid_and_credited()
    sources = funding_sources(ledger, pay)
    assert sources == [(pay, None), (None, cn)]
    # min(181.50 − 0.00 refunded, 0.00 + 60.50 unapplied) = 60.50
    assert refundable(ledger, sources, D("181.50")) == D("60.50")
    refund_id = uuid4()
    posted = ledger.refund(refund_id, D("60.50"), sources)
    assert [(p.kind, p.amount, p.credit_note_id) for p in posted] == [("refund", D("60.50"), cn)]
    # −60.50 + 60.50: the account owes nothing and is owed nothing
    assert (ledger.balance(), ledger.unapplied(), ledger.invoice_balance(inv)) == (0, 0, 0)
    assert ledger.total("refund") == D("60.50")


def test_a_refund_never_exceeds_what_is_left_of_the_payment() -> None:
    ledger, _, pay, _ = _paid_and_credited()
    sources = funding_sources(ledger, pay)
    # 181.50 paid, 150.00 refunded already: 31.50 at most, though 60.50 is unapplied.
    assert refundable(ledger, sources, D("181.50"), refunded=D("150.00")) == D("31.50")
    with pytest.raises(RuleViolation, match=r"only 31.50 EUR is refundable; 31.51 asked"):
        check_refund(D("31.51"), D("31.50"), "EUR")


def test_a_failed_refund_puts_the_money_back_where_it_came_from() -> None:
    ledger = Ledger()
    inv, pay = uuid4(), uuid4()
    ledger.invoice(inv, D("100.00"))
    ledger.receive_payment(pay, D("150.00"))
    ledger.apply(uuid4(), inv, D("100.00"), payment_id=pay)
    refund_id = uuid4()
    ledger.refund(refund_id, D("50.00"), funding_sources(ledger, None))
    assert ledger.unapplied(pay) == D("0.00")
    back = ledger.reverse_refund(refund_id)
    assert [(p.kind, p.amount, p.payment_id) for p in back] == [
        ("refund_reversal", D("-50.00"), pay)
    ]
    assert (ledger.unapplied(pay), ledger.balance()) == (D("50.00"), D("-50.00"))
    with pytest.raises(LedgerError, match="already reversed"):
        ledger.reverse_refund(refund_id)


def test_a_refund_beyond_the_funds_is_refused_and_posts_nothing() -> None:
    ledger, _, pay, _ = _paid_and_credited()
    before = list(ledger.postings)
    with pytest.raises(LedgerError, match=r"only 60.50 of the funds named is unapplied"):
        ledger.refund(uuid4(), D("60.51"), funding_sources(ledger, pay))
    assert ledger.postings == before


@pytest.mark.parametrize(
    ("amount", "reason"),
    [(D("0"), "must be positive"), (D("1.005"), "more than 2 decimals")],
)
def test_refund_amount_refusals(amount: Decimal, reason: str) -> None:
    with pytest.raises(RuleViolation, match=reason):
        check_refund(amount, D("100.00"), "EUR")


def test_a_reversed_write_off_owes_again_and_can_then_be_voided() -> None:
    ledger = Ledger()
    inv, pay = uuid4(), uuid4()
    ledger.invoice(inv, D("100.00"))
    ledger.receive_payment(pay, D("70.00"))
    ledger.apply(uuid4(), inv, D("70.00"), payment_id=pay)
    ledger.write_off(inv)  # 30.00
    with pytest.raises(LedgerError, match=r"30\.00 written off; 30\.01 asked"):
        ledger.reverse_write_off(inv, D("30.01"))
    ledger.reverse_write_off(inv, D("30.00"))
    assert (ledger.invoice_balance(inv), ledger.balance()) == (D("30.00"), D("30.00"))
    ledger.void(inv)  # the 70.00 applied goes back to unapplied, the 100.00 is reversed
    assert (ledger.invoice_balance(inv), ledger.unapplied(pay)) == (D("0.00"), D("70.00"))


@given(
    paid=st.integers(min_value=1, max_value=100_000),
    invoiced=st.integers(min_value=0, max_value=100_000),
    asks=st.lists(st.integers(min_value=1, max_value=100_000), max_size=6),
)
def test_refunds_never_take_more_than_the_unapplied_funds(
    paid: int, invoiced: int, asks: list[int]
) -> None:
    """Whatever is asked, refunds never make unapplied funds negative nor refund more than
    the payment."""
    ledger = Ledger()
    inv, pay = uuid4(), uuid4()
    if invoiced:
        ledger.invoice(inv, D(invoiced) / 100)
    ledger.receive_payment(pay, D(paid) / 100)
    if invoiced:
        ledger.apply(uuid4(), inv, min(D(paid), D(invoiced)) / 100, payment_id=pay)
    refunded = D(0)
    for cents in asks:
        amount = D(cents) / 100
        sources = funding_sources(ledger, pay)
        allowed = refundable(ledger, sources, D(paid) / 100, refunded)
        if amount > allowed:
            with pytest.raises(RuleViolation):
                check_refund(amount, allowed, "EUR")
            continue
        ledger.refund(uuid4(), amount, sources)
        refunded += amount
        assert ledger.unapplied() >= 0
    assert refunded <= D(paid) / 100
    assert ledger.total("refund") == refunded
