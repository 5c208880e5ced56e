"""Valid events for tests and benchmarks, with everything a test does not care about filled
in: name what matters to the test, and leave the rest. Each factory returns the event the
producing service would publish (amounts exact, currencies consistent)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from l2c_schemas.billing import InvoiceIssued
from l2c_schemas.contract import ContractAmended, ContractTerminated, OrderPlaced
from l2c_schemas.cpq import PricedLine
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


def priced_line(
    product_code: str,
    quantity: int,
    unit_price: str,
    *,
    line_no: int = 1,
    charge: str = "recurring",
    currency: str = "EUR",
) -> PricedLine:
    """A contract line without discount: net = quantity × unit price (monthly when recurring)."""
    net = Money.of(Decimal(unit_price) * quantity, currency)
    return PricedLine.model_validate(
        {
            "line_no": line_no,
            "product_code": product_code,
            "description": product_code.title(),
            "charge": charge,
            "billing_period": "month" if charge == "recurring" else None,
            "quantity": Decimal(quantity),
            "unit_price": Money.of(unit_price, currency),
            "list_amount": net,
            "discount_percent": Decimal(0),
            "discount_amount": Money.zero(currency),
            "net_amount": net,
        }
    )


def order_placed(
    start: date, end: date, *lines: PricedLine, trial_days: int = 0, currency: str = "EUR"
) -> OrderPlaced:
    """A monthly order billed in advance, net 30, of a new lead, account and contract."""
    return OrderPlaced(
        lead_id=uuid4(),
        account_id=uuid4(),
        order_id=uuid4(),
        contract_id=uuid4(),
        customer_name="Acme",
        currency=currency,
        start_date=start,
        end_date=end,
        billing_period="month",
        payment_terms_days=30,
        lines=list(lines),
        placed_at=datetime.combine(start, datetime.min.time(), UTC),
        trial_days=trial_days,
    )


def contract_amended(order: OrderPlaced, effective: date, *lines: PricedLine) -> ContractAmended:
    """The order's contract amended to `lines` from `effective`."""
    return ContractAmended(
        lead_id=order.lead_id,
        account_id=order.account_id,
        contract_id=order.contract_id,
        amendment_id=uuid4(),
        currency=order.currency,
        effective_date=effective,
        lines=list(lines),
        reason="upsell",
        amended_at=datetime.combine(effective, datetime.min.time(), UTC),
    )


def contract_terminated(order: OrderPlaced, last_day: date, reason: str) -> ContractTerminated:
    """The order's contract terminated with `last_day` its last day of service."""
    return ContractTerminated(
        lead_id=order.lead_id,
        account_id=order.account_id,
        contract_id=order.contract_id,
        effective_date=last_day,
        reason=reason,
        terminated_at=datetime.combine(last_day, datetime.min.time(), UTC),
    )
