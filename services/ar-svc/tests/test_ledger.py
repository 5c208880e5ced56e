from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ar_svc.domain.ledger import Ledger, LedgerError

D = Decimal


def test_invoice_partly_paid_credited_and_written_off_balances_to_the_cent() -> None:
    ledger = Ledger()
    inv, pay, cn = uuid4(), uuid4(), uuid4()
    ledger.invoice(inv, D("2602.50"))
    ledger.receive_payment(pay, D("1000.00"))
    ledger.apply(uuid4(), inv, D("1000.00"), payment_id=pay)
    ledger.issue_credit(cn, D("102.50"))
    ledger.apply(uuid4(), inv, D("102.50"), credit_note_id=cn)
    # 2602.50 − 1000.00 − 102.50 = 1500.00 still open
    assert ledger.invoice_balance(inv) == D("1500.00")
    assert ledger.write_off(inv)[0].amount == D("-1500.00")
    assert ledger.invoice_balance(inv) == D("0.00")
    assert ledger.balance() == D("0.00")
    assert ledger.total("write_off") == D("1500.00")


def test_overpayment_stays_unapplied_and_the_account_owes_us_nothing_more() -> None:
    ledger = Ledger()
    inv, pay = uuid4(), uuid4()
    ledger.invoice(inv, D("1102.50"))
    ledger.receive_payment(pay, D("1200.00"))
    ledger.apply(uuid4(), inv, D("1102.50"), payment_id=pay)
    assert ledger.unapplied(pay) == D("97.50")
    assert ledger.balance() == D("-97.50")


def test_applying_more_than_the_payment_is_refused() -> None:
    ledger = Ledger()
    inv, pay = uuid4(), uuid4()
    ledger.invoice(inv, D("500.00"))
    ledger.receive_payment(pay, D("100.00"))
    with pytest.raises(LedgerError, match="unapplied"):
        ledger.apply(uuid4(), inv, D("100.01"), payment_id=pay)


def test_applying_more_than_the_invoice_balance_is_refused() -> None:
    ledger = Ledger()
    inv, pay = uuid4(), uuid4()
    ledger.invoice(inv, D("50.00"))
    ledger.receive_payment(pay, D("100.00"))
    with pytest.raises(LedgerError, match="open"):
        ledger.apply(uuid4(), inv, D("50.01"), payment_id=pay)


def test_unapplying_returns_the_cash_and_reopens_the_invoice_without_deleting() -> None:
    ledger = Ledger()
    inv, pay, app = uuid4(), uuid4(), uuid4()
    ledger.invoice(inv, D("300.00"))
    ledger.receive_payment(pay, D("300.00"))
    ledger.apply(app, inv, D("300.00"), payment_id=pay)
    added = ledger.unapply(app)
    assert [(p.kind, p.amount) for p in added] == [
        ("unapplication", D("-300.00")),
        ("unapplication", D("300.00")),
    ]
    assert ledger.invoice_balance(inv) == D("300.00")
    assert ledger.unapplied(pay) == D("300.00")
    assert len(ledger.postings) == 6  # invoice, payment, 2 application, 2 unapplication
    with pytest.raises(LedgerError, match="already reversed"):
        ledger.unapply(app)


def test_voiding_a_partly_paid_invoice_returns_its_cash_to_unapplied() -> None:
    ledger = Ledger()
    inv, pay = uuid4(), uuid4()
    ledger.invoice(inv, D("1190.00"))
    ledger.receive_payment(pay, D("400.00"))
    ledger.apply(uuid4(), inv, D("400.00"), payment_id=pay)
    ledger.void(inv)
    assert ledger.invoice_balance(inv) == D("0.00")
    assert ledger.unapplied(pay) == D("400.00")
    assert ledger.balance() == D("-400.00")  # 1190.00 − 400.00 − 1190.00 voided


# -- property: no posting creates or loses money -----------------------------------------

cents = st.integers(min_value=1, max_value=1_000_000).map(lambda c: D(c).scaleb(-2))
operations = st.lists(
    st.tuples(
        st.sampled_from(["invoice", "pay", "credit", "apply", "unapply", "write_off", "void"]),
        cents,
        st.integers(min_value=0, max_value=20),
    ),
    max_size=40,
)


@settings(max_examples=300)
@given(ops=operations)
def test_no_sequence_of_operations_creates_or_loses_money(
    ops: list[tuple[str, Decimal, int]],
) -> None:
    ledger = Ledger()
    invoices: list[UUID] = []
    sources: list[tuple[str, UUID]] = []
    for op, amount, pick in ops:
        try:
            if op == "invoice":
                invoices.append(uuid4())
                ledger.invoice(invoices[-1], amount)
            elif op in ("pay", "credit"):
                source = uuid4()
                sources.append((op, source))
                if op == "pay":
                    ledger.receive_payment(source, amount)
                else:
                    ledger.issue_credit(source, amount)
            elif op == "apply" and invoices and sources:
                kind, source = sources[pick % len(sources)]
                invoice = invoices[pick % len(invoices)]
                # Apply what is possible, as cash application does; never more.
                amount = min(amount, ledger.unapplied(source), ledger.invoice_balance(invoice))
                ids = {"payment_id": source} if kind == "pay" else {"credit_note_id": source}
                if amount > 0:
                    ledger.apply(uuid4(), invoice, amount, **ids)
            elif op == "unapply" and ledger.live_applications():
                live = ledger.live_applications()
                ledger.unapply(live[pick % len(live)].application_id)
            elif op in ("write_off", "void") and invoices:
                invoice = invoices[pick % len(invoices)]
                ledger.write_off(invoice) if op == "write_off" else ledger.void(invoice)
        except LedgerError:
            pass  # a refused operation adds nothing
        expected = (
            ledger.total("invoice")
            - ledger.total("payment")
            - ledger.total("credit")
            - ledger.total("write_off")
            - ledger.total("void")
        )
        assert ledger.balance() == expected
        assert sum((ledger.invoice_balance(i) for i in invoices), D(0)) - ledger.unapplied() == (
            ledger.balance()
        )
        for _, source in sources:
            assert ledger.unapplied(source) >= 0  # applied cash never exceeds the payment
        for invoice in invoices:
            assert ledger.invoice_balance(invoice) >= 0  # never applied beyond what is owed
