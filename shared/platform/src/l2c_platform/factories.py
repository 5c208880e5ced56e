"""Valid events for tests and benchmarks, with everything a test does not care about filled
in: name what matters to the test, and leave the rest. Each factory returns the event the
producing service would publish (amounts exact, currencies consistent)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

from l2c_schemas.billing import InvoiceIssued
from l2c_schemas.money import Money


def invoice_issued(
    account_id: UUID,
    total: str,
    issued: date,
    *,
    due_in_days: int = 30,
    currency: str = "EUR",
    lead_id: UUID | None = None,
    invoice_id: UUID | None = None,
    number: str | None = None,
    customer_name: str = "Acme",
    issued_at: datetime | None = None,
) -> InvoiceIssued:
    """An invoice of `total` (no tax, no lines) for a 30-day period from `issued`, due
    `due_in_days` later; numbered `T-<id>` unless given a number."""
    invoice_id = invoice_id or uuid4()
    return InvoiceIssued(
        lead_id=lead_id or uuid4(),
        account_id=account_id,
        invoice_id=invoice_id,
        invoice_number=number or f"T-{invoice_id.hex[:12]}",
        subscription_id=uuid4(),
        customer_name=customer_name,
        currency=currency,
        issue_date=issued,
        due_date=issued + timedelta(days=due_in_days),
        period_start=issued,
        period_end=issued + timedelta(days=30),
        lines=[],
        subtotal=Money.of(total, currency),
        tax_total=Money.zero(currency),
        total=Money.of(total, currency),
        issued_at=issued_at or datetime.combine(issued, datetime.min.time()),
    )
