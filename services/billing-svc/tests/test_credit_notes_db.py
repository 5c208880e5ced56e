"""Credit notes by hand on a real database, amounts by hand: an invoice of 10 seats at 10.00
(100.00 a month) and a 50.00 onboarding fee, taxed at 21 % (subtotal 150.00, tax 31.50, total
181.50 EUR). Line 2 is credited at once; the rest needs a second finance user's approval."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from billing_svc.adapters.tables import account_tax_jurisdictions, revenue_schedule, tax_rates
from billing_svc.handlers import credit_notes
from l2c_runtime.auth import Principal
from l2c_runtime.errors import Forbidden, RuleViolation
from l2c_runtime.messaging_tables import outbox
from l2c_schemas import Money, OrderPlaced, PricedLine

pytestmark = pytest.mark.integration

if TYPE_CHECKING:
    from conftest import Billing  # the `billing` fixture

D = Decimal
FIN_2 = Principal("fin-2", frozenset({"finance"}), frozenset())
FIN_1 = Principal("fin-1", frozenset({"finance"}), frozenset())


def _line(no: int, code: str, charge: str, quantity: int, price: str) -> PricedLine:
    net = Money.of(D(price) * quantity, "EUR")
    return PricedLine(
        line_no=no,
        product_code=code,
        description=code.title(),
        charge=charge,
        billing_period="month" if charge == "recurring" else None,
        quantity=D(quantity),
        unit_price=Money.of(price, "EUR"),
        list_amount=net,
        discount_percent=D(0),
        discount_amount=Money.zero("EUR"),
        net_amount=net,
    )


async def _invoice(billing: Billing) -> dict[str, Any]:
    """The first invoice (March 2026, billed in advance on 1 March) of a new subscription."""
    account = uuid4()
    async with billing.unit_of_work() as uow:
        await uow.session.execute(
            sa.insert(tax_rates).values(jurisdiction="NL", rate=D("0.21"), name="BTW")
        )
        await uow.session.execute(
            sa.insert(account_tax_jurisdictions).values(account_id=account, jurisdiction="NL")
        )
    billing.clock.set("2026-03-01")
    placed = OrderPlaced(
        lead_id=uuid4(),
        account_id=account,
        order_id=uuid4(),
        contract_id=uuid4(),
        customer_name="ACME",
        currency="EUR",
        start_date=date(2026, 3, 1),
        end_date=date(2027, 2, 28),
        billing_period="month",
        payment_terms_days=30,
        lines=[
            _line(1, "SEAT", "recurring", 10, "10.00"),
            _line(2, "ONBOARD", "one_time", 1, "50.00"),
        ],
        placed_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    (invoice,) = await billing.invoices(await billing.activate(placed))
    assert (invoice["subtotal"], invoice["tax_total"], invoice["total"]) == (
        D("150.00"),
        D("31.50"),
        D("181.50"),
    )
    return invoice


async def _credit(
    billing: Billing, invoice: dict[str, Any], lines: dict[int, str] | None, by: str = "fin-1"
) -> dict[str, Any]:
    requested = None if lines is None else {no: D(amount) for no, amount in lines.items()}
    async with billing.unit_of_work() as uow:
        return await credit_notes.request_credit_note(uow, invoice["id"], requested, "wrong", by)


async def _notes(billing: Billing) -> list[dict[str, Any]]:
    async with billing.unit_of_work() as uow:
        rows = await uow.session.execute(
            sa.select(outbox.c.payload)
            .where(outbox.c.ce_type == "l2c.billing.CreditNoteIssued.v1")
            .order_by(outbox.c.id)
        )
        return [json.loads(r.payload) for r in rows]


async def _revenue(billing: Billing, document_id: UUID) -> list[tuple[date, Decimal]]:
    async with billing.unit_of_work() as uow:
        rows = await uow.session.execute(
            sa.select(revenue_schedule.c.month, revenue_schedule.c.amount)
            .where(revenue_schedule.c.document_id == document_id)
            .order_by(revenue_schedule.c.line_no, revenue_schedule.c.month)
        )
        return [(r.month, r.amount) for r in rows]


async def test_one_line_is_credited_with_its_tax_and_no_more_than_is_left(
    billing: Billing,
) -> None:
    invoice = await _invoice(billing)
    made = await _credit(billing, invoice, {2: "50.00"})
    # 50.00 x 21 % = 10.50; below the default threshold of 1000.00: issued at once.
    assert (made["status"], made["subtotal"], made["tax_total"], made["total"]) == (
        "issued",
        D("50.00"),
        D("10.50"),
        D("60.50"),
    )
    (note,) = await _notes(billing)
    assert note["invoice_id"] == str(invoice["id"])
    assert (note["subtotal"]["amount"], note["tax_total"]["amount"], note["total"]["amount"]) == (
        "50.00",
        "10.50",
        "60.50",
    )
    assert [(line["line_no"], line["amount"]["amount"]) for line in note["lines"]] == [(2, "50.00")]
    # The onboarding fee was revenue of March (point in time): the credit takes it back there.
    assert await _revenue(billing, made["credit_note_id"]) == [(date(2026, 3, 1), D("-50.00"))]
    (after,) = await billing.invoices(invoice["subscription_id"])
    assert after["credited"] == D("60.50")

    with pytest.raises(RuleViolation, match=r"line 2 has only 0.00 EUR left"):
        await _credit(billing, invoice, {2: "0.01"})
    with pytest.raises(RuleViolation, match=r"line 1 has only 100.00 EUR left"):
        await _credit(billing, invoice, {1: "100.01"})


async def test_above_the_threshold_a_second_finance_user_approves(
    billing: Billing, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("L2C_BILLING_CREDIT_APPROVAL_THRESHOLD", "100.00")
    invoice = await _invoice(billing)
    asked = await _credit(billing, invoice, None)
    # the whole invoice: 150.00 + 31.50 = 181.50 > 100.00: it waits, nothing is credited yet.
    assert (asked["status"], asked["total"], asked["credit_note_id"]) == (
        "pending_approval",
        D("181.50"),
        None,
    )
    assert await _notes(billing) == []
    async with billing.unit_of_work() as uow:
        rejected = await credit_notes.reject_credit_note(uow, asked["id"], FIN_2, "not agreed")
    assert rejected["status"] == "rejected"

    asked = await _credit(billing, invoice, {1: "100.00"})  # 100.00 + 21.00 = 121.00
    with pytest.raises(Forbidden, match="fin-1 may not approve their own credit note"):
        async with billing.unit_of_work() as uow:
            await credit_notes.approve_credit_note(uow, asked["id"], FIN_1)
    async with billing.unit_of_work() as uow:
        approved = await credit_notes.approve_credit_note(uow, asked["id"], FIN_2)
    assert (approved["status"], approved["decided_by"], approved["total"]) == (
        "issued",
        "fin-2",
        D("121.00"),
    )
    # The seats of March 1-31 were recognised in March: all 100.00 taken back in March.
    assert await _revenue(billing, approved["credit_note_id"]) == [(date(2026, 3, 1), D("-100.00"))]
    (after,) = await billing.invoices(invoice["subscription_id"])
    assert after["credited"] == D("121.00")
