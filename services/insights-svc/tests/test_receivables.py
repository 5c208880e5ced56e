"""DSO from invoice facts, computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from insights_svc.domain.facts import Fact
from insights_svc.domain.receivables import dso

START = datetime(2026, 3, 1, tzinfo=UTC)
END = START + timedelta(days=30)
LEAD = UUID(int=1)


def fact(
    n: int, stage: str, day: float, invoice: str, currency: str = "EUR", **amounts: str
) -> Fact:
    return Fact(
        event_id=f"e{n:03d}",
        stage=stage,
        lead_id=LEAD,
        account_id=None,
        occurred_at=START + timedelta(days=day),
        ids={"invoice_id": invoice},
        amounts=amounts,
        detail={"currency": currency},
    )


def test_days_sales_outstanding_per_currency() -> None:
    facts = [
        # before the period: 500.00 issued, 200.00 paid in the period -> owes 300.00 at the end
        fact(1, "InvoiceIssued", -10, "i1", total="500.00"),
        fact(2, "PaymentApplied", 5, "i1", amount="200.00", invoice_balance="300.00"),
        # in the period: 1000.00 issued, paid in full the same instant -> owes 0
        fact(3, "InvoiceIssued", 2, "i2", total="1000.00"),
        fact(4, "PaymentApplied", 2, "i2", amount="1000.00", invoice_balance="0.00"),
        # in the period: 800.00, a credit of 100.00 -> owes 700.00
        fact(5, "InvoiceIssued", 10, "i3", total="800.00"),
        fact(6, "CreditApplied", 12, "i3", amount="100.00", invoice_balance="700.00"),
        # in the period: 200.00, paid after the end -> still owes 200.00 at the end
        fact(7, "InvoiceIssued", 20, "i4", total="200.00"),
        fact(8, "PaymentApplied", 31, "i4", amount="200.00", invoice_balance="0.00"),
        # in the period: 300.00 voided -> owes 0, but it was invoiced in the period
        fact(9, "InvoiceIssued", 21, "i5", total="300.00"),
        fact(10, "InvoiceVoided", 22, "i5", amount="300.00"),
        # USD: 100.00 issued in the period, nothing paid
        fact(11, "InvoiceIssued", 3, "u1", "USD", total="100.00"),
        # after the period: not counted at all
        fact(12, "InvoiceIssued", 40, "i6", total="999.00"),
    ]
    answer = dso(facts, START, END)
    # EUR receivables 300 + 0 + 700 + 200 + 0 = 1200.00; sales 1000 + 800 + 200 + 300 = 2300.00
    # DSO = 1200 / 2300 × 30 = 15.652… -> 15.7
    assert answer["EUR"] == {
        "receivables": "1200.00",
        "sales": "2300.00",
        "days": "30",
        "dso": "15.7",
    }
    # USD: 100 / 100 × 30 = 30.0
    assert answer["USD"]["dso"] == "30.0"


def test_no_sales_no_dso() -> None:
    answer = dso([fact(1, "InvoiceIssued", -5, "i1", total="50.00")], START, END)
    assert answer["EUR"] == {"receivables": "50.00", "sales": "0", "days": "30", "dso": None}
