"""Cash application through ar-svc's HTTP API and topics on the running platform: automatic
application, unapply and manual apply, unapplied cash paying the next invoice, a failed card
payment from the gateway topic, and the reports filtered to this test's account."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from l2c_platform.factories import invoice_issued
from l2c_platform.journey import eventually
from l2c_platform.kafka_io import Record, publish_message, wait_for_records
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.tokens import operator_client
from l2c_schemas import InvoiceIssued, Money, PaymentNotified
from l2c_schemas.topics import AR_EVENTS

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def _invoice(account: UUID, lead: UUID, total: str, today: date) -> InvoiceIssued:
    # due in 10 days: current whatever the hour of the test
    return invoice_issued(account, total, today, due_in_days=10, lead_id=lead)


def _of(kind: str, account: UUID) -> Any:
    def matches(r: Record) -> bool:
        return r.headers.get("ce_type") == f"l2c.ar.{kind}.v1" and r.json().get(
            "account_id"
        ) == str(account)

    return matches


async def test_apply_unapply_reapply_credit_the_next_invoice_and_report(
    platform: Platform, infra: Infrastructure
) -> None:
    ar = platform.config.base_url("ar-svc")
    bootstrap = infra.kafka_bootstrap
    account, lead = uuid4(), uuid4()
    async with operator_client(timeout=30) as client:
        now = datetime.fromisoformat((await client.get(f"{ar}/clock")).json()["now"])
        today = now.date()

        async def invoices(count: int) -> list[dict[str, Any]]:
            async def probe() -> list[dict[str, Any]] | None:
                r = await client.get(f"{ar}/accounts/{account}/balance")
                found = r.json()["invoices"] if r.status_code == 200 else []
                return found if len(found) >= count else None

            return await eventually(probe, f"{count} receivables of the account", timeout=30)

        a = _invoice(account, lead, "100.00", today)
        b = _invoice(account, lead, "250.00", today + timedelta(days=1))
        await publish_message(bootstrap, a)
        await publish_message(bootstrap, b)
        await invoices(2)

        # 400.00 unreferenced, no invoice of exactly 400.00: oldest first, 50.00 left over.
        r = await client.post(
            f"{ar}/payments",
            json={
                "external_reference": f"e2e-cash-{uuid4()}",
                "account_id": str(account),
                "amount": {"amount": "400.00", "currency": "EUR"},
            },
        )
        assert r.status_code == 201, r.text
        payment = r.json()
        assert [(x["invoice_number"], x["amount"]) for x in payment["applied"]] == [
            (a.invoice_number, "100.00"),
            (b.invoice_number, "250.00"),
        ]
        assert payment["unapplied"] == "50.00"
        payment_id, to_b = payment["payment_id"], payment["applied"][1]["application_id"]

        detail = (await client.get(f"{ar}/payments/{payment_id}")).json()
        assert (len(detail["applications"]), detail["unapplied"]) == (2, "50.00")

        r = await client.post(f"{ar}/applications/{to_b}/unapply")
        assert r.status_code == 200, r.text
        assert (r.json()["invoice_balance"], r.json()["unapplied"]) == ("250.00", "300.00")
        again = await client.post(f"{ar}/applications/{to_b}/unapply")
        assert again.status_code == 409 and "already reversed" in again.json()["detail"]

        too_much = await client.post(
            f"{ar}/payments/{payment_id}/apply",
            json={"invoice_id": str(b.invoice_id), "amount": "250.01"},
        )
        assert too_much.status_code == 422, too_much.text
        r = await client.post(
            f"{ar}/payments/{payment_id}/apply",
            json={"invoice_id": str(b.invoice_id), "amount": "200.00"},
        )
        assert r.status_code == 201, r.text
        assert (r.json()["invoice_balance"], r.json()["unapplied"]) == ("50.00", "100.00")

        # The next invoice (80.00) is paid from the 100.00 of unapplied cash.
        c = _invoice(account, lead, "80.00", today + timedelta(days=2))
        await publish_message(bootstrap, c)
        listed = await invoices(3)
        assert [(i["invoice_number"], i["status"], i["balance"]) for i in listed] == [
            (a.invoice_number, "paid", "0.00"),
            (b.invoice_number, "open", "50.00"),
            (c.invoice_number, "paid", "0.00"),
        ]
        state = (await client.get(f"{ar}/accounts/{account}/balance")).json()
        # 100.00 + 250.00 + 80.00 − 400.00 = 30.00 (50.00 owed on b, 20.00 unapplied)
        assert (state["balance"], state["unapplied_cash"]) == ("30.00", "20.00")

        # A failed card payment from the gateway: announced, and a retry requested.
        await publish_message(
            bootstrap,
            PaymentNotified(
                external_reference=f"e2e-card-{uuid4()}",
                account_id=account,
                amount=Money.of("50.00", "EUR"),
                status="failed",
                invoice_number=b.invoice_number,
                method="card",
                received_at=now,
            ),
        )
        failed = await wait_for_records(bootstrap, AR_EVENTS, _of("PaymentFailed", account))
        retry = await wait_for_records(bootstrap, AR_EVENTS, _of("PaymentRetryRequested", account))
        assert len(failed) == 1 and retry[0].json()["attempt"] == 1

        window = {"account_id": str(account), "from": str(today - timedelta(days=1))}
        window["to"] = str(today + timedelta(days=1))
        aging = (
            await client.get(
                f"{ar}/reports/aging", params={"as_of": window["to"], "account_id": str(account)}
            )
        ).json()
        assert (aging["buckets"]["current"], aging["total"]) == ("50.00", "50.00")
        cash = (
            await client.get(
                f"{ar}/reports/cash-collected", params={**window, "granularity": "day"}
            )
        ).json()
        assert cash["total"] == "400.00"  # the failed card payment moved no cash
        dso = (await client.get(f"{ar}/reports/dso", params=window)).json()
        # 50.00 owed ÷ 430.00 invoiced × 3 days = 0.348… → 0.3
        assert (dso["ending_receivables"], dso["credit_sales"], dso["dso"]) == (
            "50.00",
            "430.00",
            "0.3",
        )
        bad = await client.get(
            f"{ar}/reports/dso", params={**window, "from": window["to"], "to": window["from"]}
        )
        assert bad.status_code == 422


async def test_a_gateway_payment_that_overtakes_its_invoice_pays_it_when_it_arrives(
    platform: Platform, infra: Infrastructure
) -> None:
    ar = platform.config.base_url("ar-svc")
    bootstrap = infra.kafka_bootstrap
    account, lead = uuid4(), uuid4()
    async with operator_client(timeout=30) as client:
        now = datetime.fromisoformat((await client.get(f"{ar}/clock")).json()["now"])
        invoice = _invoice(account, lead, "1000.00", now.date())
        reference = f"e2e-early-{uuid4()}"
        await publish_message(
            bootstrap,
            PaymentNotified(
                external_reference=reference,
                account_id=account,
                amount=Money.of("1200.00", "EUR"),
                invoice_number=invoice.invoice_number,
                received_at=now,
            ),
        )

        async def balance_is(expected: str) -> dict[str, Any]:
            async def probe() -> dict[str, Any] | None:
                state: dict[str, Any] = (
                    await client.get(f"{ar}/accounts/{account}/balance")
                ).json()
                return state if state["balance"] == expected else None

            return await eventually(probe, f"the account's balance to be {expected}", timeout=30)

        early = await balance_is("-1200.00")  # kept as the account's cash, not dead-lettered
        assert (early["unapplied_cash"], early["invoices"]) == ("1200.00", [])

        await publish_message(bootstrap, invoice)
        # 1000.00 − 1200.00: the invoice paid, 200.00 left as the customer's cash.
        state = await balance_is("-200.00")
        assert state["unapplied_cash"] == "200.00"
        assert [(i["status"], i["balance"]) for i in state["invoices"]] == [("paid", "0.00")]

    [received] = await wait_for_records(bootstrap, AR_EVENTS, _of("PaymentReceived", account))
    assert received.json()["lead_id"] == str(lead)  # announced in the invoice's journey
    paid = await wait_for_records(bootstrap, AR_EVENTS, _of("InvoicePaid", account))
    assert [r.json()["invoice_number"] for r in paid] == [invoice.invoice_number]
