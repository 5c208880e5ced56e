"""Finance corrections on the running platform (real Kafka, PostgreSQL, services as processes):
a paid invoice partly credited (one line) by hand in billing-svc, then refunded in ar-svc through
the payment gateway's topics; over-crediting, over-refunding and approving one's own write-off
refused. Amounts by hand: 10 seats at 10.00 (line 1) and onboarding 50.00 (line 2), taxed
21 %: subtotal 150.00, tax 31.50, total 181.50 EUR."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from l2c_platform.factories import invoice_issued
from l2c_platform.journey import eventually
from l2c_platform.kafka_io import Record, publish_message, wait_for_records
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.tokens import client_as
from l2c_schemas import Money, OrderPlaced, PaymentNotified, PricedLine
from l2c_schemas.ar import RefundCompleted
from l2c_schemas.topics import PAYMENTS_OUTBOUND

pytestmark = [pytest.mark.e2e, pytest.mark.integration]
D = Decimal


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


def _order(account: UUID, start: date, now: datetime) -> OrderPlaced:
    return OrderPlaced(
        lead_id=uuid4(),
        account_id=account,
        order_id=uuid4(),
        contract_id=uuid4(),
        customer_name="Credited Ltd",
        currency="EUR",
        start_date=start,
        end_date=start.replace(year=start.year + 1),
        billing_period="month",
        payment_terms_days=30,
        lines=[
            _line(1, "SEAT", "recurring", 10, "10.00"),
            _line(2, "ONBOARD", "one_time", 1, "50.00"),
        ],
        placed_at=now,
    )


async def _until(client: httpx.AsyncClient, url: str, check: Any, what: str) -> Any:
    async def probe() -> Any:
        r = await client.get(url)
        return r.json() if r.status_code == 200 and check(r.json()) else None

    return await eventually(probe, what, timeout=120)  # a busy CI machine is slow


async def test_a_paid_invoice_partly_credited_and_refunded(
    platform: Platform, infra: Infrastructure
) -> None:
    billing = platform.config.base_url("billing-svc")
    ar = platform.config.base_url("ar-svc")
    bootstrap = infra.kafka_bootstrap
    account = uuid4()
    fin_1 = client_as(["finance"], "fin-1", timeout=30)
    fin_2 = client_as(["finance"], "fin-2", timeout=30)
    async with fin_1, fin_2:
        now = datetime.fromisoformat((await fin_1.get(f"{billing}/clock")).json()["now"])
        await fin_1.put(f"{billing}/tax-rates/NL", json={"rate": "0.21", "name": "BTW"})
        await fin_1.put(
            f"{billing}/accounts/{account}/tax-jurisdiction", json={"jurisdiction": "NL"}
        )
        await publish_message(bootstrap, _order(account, now.date(), now))
        (invoice,) = await _until(
            fin_1, f"{billing}/invoices?account_id={account}", lambda rows: rows, "the invoice"
        )
        assert (invoice["subtotal"], invoice["tax_total"], invoice["total"]) == (
            "150.00",
            "31.50",
            "181.50",
        )
        await _until(
            fin_1, f"{ar}/accounts/{account}/balance", lambda b: b["invoices"], "the receivable"
        )
        payment_notice = PaymentNotified(
            external_reference=f"gw-{uuid4()}",
            account_id=account,
            amount=Money.of("181.50", "EUR"),
            method="card",
            invoice_number=invoice["invoice_number"],
            received_at=now,
        )
        await publish_message(bootstrap, payment_notice)
        invoice_url = f"{billing}/invoices/{invoice['id']}"
        await _until(fin_1, invoice_url, lambda i: i["status"] == "paid", "the invoice paid")

        # Line 2 credited by hand: 50.00 + 21 % = 60.50, under the threshold: issued at once.
        line_2 = {
            "reason": "onboarding not delivered",
            "lines": [{"line_no": 2, "amount": "50.00"}],
        }
        r = await fin_1.post(f"{invoice_url}/credit-notes", json=line_2)
        assert r.status_code == 201, r.text
        note = r.json()
        assert (note["status"], note["subtotal"], note["tax_total"], note["total"]) == (
            "issued",
            "50.00",
            "10.50",
            "60.50",
        )
        over = {"reason": "again", "lines": [{"line_no": 2, "amount": "0.01"}]}
        r = await fin_1.post(f"{invoice_url}/credit-notes", json=over)
        assert r.status_code == 422 and "line 2 has only 0.00 EUR left" in r.text

        # ar-svc: the paid invoice stays at 0.00, its credit of 60.50 is unapplied.
        balance_url = f"{ar}/accounts/{account}/balance"
        balance = await _until(
            fin_1, balance_url, lambda b: D(b["unapplied_cash"]) == D("60.50"), "the credit"
        )
        assert D(balance["balance"]) == D("-60.50")
        assert [D(i["balance"]) for i in balance["invoices"]] == [D("0.00")]
        # The gateway's payment, looked up by its reference (sent again: the same payment).
        r = await fin_1.post(
            f"{ar}/payments",
            json={
                "external_reference": payment_notice.external_reference,
                "account_id": str(account),
                "amount": {"amount": "181.50", "currency": "EUR"},
            },
        )
        assert (r.status_code, r.json()["duplicate"]) == (200, True)
        payment_id = r.json()["payment_id"]

        # Refund of the payment: 60.51 is too much; 60.50 goes to the gateway, once.
        refund = {"account_id": str(account), "payment_id": payment_id, "reason": "credit"}
        r = await fin_1.post(
            f"{ar}/refunds", json={**refund, "refund_id": str(uuid4()), "amount": "60.51"}
        )
        assert r.status_code == 422 and "only 60.50 EUR is refundable" in r.text
        refund_id = uuid4()
        body = {**refund, "refund_id": str(refund_id), "amount": "60.50"}
        first = await fin_1.post(f"{ar}/refunds", json=body)
        again = await fin_1.post(f"{ar}/refunds", json=body)
        assert (first.status_code, again.status_code) == (201, 200), first.text
        balance = (await fin_1.get(balance_url)).json()
        assert (D(balance["balance"]), D(balance["unapplied_cash"])) == (D("0.00"), D("0.00"))

        def requested(record: Record) -> bool:
            return record.json().get("refund_id") == str(refund_id)

        records = await wait_for_records(bootstrap, PAYMENTS_OUTBOUND, requested, timeout=120)
        assert len(records) == 1
        assert records[0].json()["amount"] == {"amount": "60.50", "currency": "EUR"}
        assert records[0].json()["external_reference"] == payment_notice.external_reference
        await publish_message(
            bootstrap,
            RefundCompleted(
                refund_id=refund_id,
                account_id=account,
                gateway_reference="re_1",
                completed_at=now,
            ),
        )
        done = await _until(
            fin_1, f"{ar}/refunds/{refund_id}", lambda x: x["status"] == "completed", "completed"
        )
        assert (done["amount"], done["gateway_reference"]) == ("60.50", "re_1")

        # billing: the invoice paid, 60.50 credited.
        after = (await fin_1.get(invoice_url)).json()
        assert (after["status"], after["credited"]) == ("paid", "60.50")

        # A write-off needs another finance user than the one who asked.
        other = invoice_issued(account, "12.00", now.date(), lead_id=UUID(invoice["lead_id"]))
        await publish_message(bootstrap, other)
        await _until(fin_1, balance_url, lambda b: len(b["invoices"]) == 2, "the second invoice")
        r = await fin_1.post(
            f"{ar}/invoices/{other.invoice_id}/write-offs", json={"reason": "not worth chasing"}
        )
        assert r.status_code == 201, r.text
        write_off = r.json()
        assert write_off["amount"] == "12.00"
        approve = f"{ar}/write-offs/{write_off['write_off_id']}/approve"
        own = await fin_1.post(approve)
        assert own.status_code == 403 and "may not approve their own" in own.text
        r = await fin_2.post(approve)
        assert (r.status_code, r.json()["status"]) == (200, "written_off")
