"""One request cannot stop the revenue flow, and a retried one does not act twice, on the
running platform: a 1.1 MB rejection reason is refused and changes nothing while the next
accepted quote still becomes a contract; a create retried with the same Idempotency-Key
makes one quote or one opportunity; a payment recorded twice with the same external
reference, over HTTP and over l2c.payments.inbound.v1, is one payment."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from l2c_platform.factories import invoice_issued
from l2c_platform.journey import DEMO_LEAD, eventually
from l2c_platform.kafka_io import publish, publish_message, wait_for_records
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.tokens import operator_client
from l2c_schemas import InvoiceIssued, LeadSubmitted, Money, PaymentNotified
from l2c_schemas.topics import LEAD_INTAKE, PAYMENTS_INBOUND, dead_letter_topic

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

LINES = [{"product_code": "PLAT-SEAT", "quantity": "10"}]


class Sales:
    """A salesperson on an opportunity of its own."""

    def __init__(self, platform: Platform, client: httpx.AsyncClient) -> None:
        self.url = platform.config.base_url
        self.client = client
        self.opportunity: dict[str, Any] = {}

    async def open_opportunity(self) -> None:
        lead = await self.client.post(
            self.url("lead-svc") + "/leads",
            json={**DEMO_LEAD, "email": f"bounds+{uuid4().hex[:8]}@engines.example"},
        )
        assert lead.status_code == 201, lead.text

        async def opportunity() -> Any:
            found = await self.client.get(
                self.url("deal-svc") + "/opportunities", params={"lead_id": lead.json()["lead_id"]}
            )
            return found.json()[0] if found.status_code == 200 and found.json() else None

        self.opportunity = await eventually(opportunity, "the opportunity")

    async def quote(self, headers: dict[str, str] | None = None, **terms: Any) -> httpx.Response:
        body = {
            "opportunity_id": self.opportunity["opportunity_id"],
            "currency": "EUR",
            "lines": LINES,
            **terms,
        }

        async def created() -> httpx.Response | None:
            response = await self.client.post(
                self.url("cpq-svc") + "/quotes", json=body, headers=headers
            )
            return None if response.status_code == 404 else response

        return await eventually(created, "cpq-svc to know the opportunity")

    async def quotes(self) -> list[dict[str, Any]]:
        listed = await self.client.get(
            self.url("cpq-svc") + "/quotes",
            params={"opportunity_id": self.opportunity["opportunity_id"]},
        )
        assert listed.status_code == 200, listed.text
        result: list[dict[str, Any]] = listed.json()
        return result


@pytest.fixture
async def sales(platform: Platform) -> Any:
    async with operator_client(timeout=30.0) as client:
        person = Sales(platform, client)
        await person.open_opportunity()
        yield person


async def _scalar(infra: Infrastructure, database: str, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(f"{infra.pg_url}/{database}")
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def test_a_megabyte_rejection_reason_changes_nothing_and_the_flow_goes_on(
    sales: Sales, infra: Infrastructure
) -> None:
    first = await sales.quote()
    assert first.status_code == 201, first.text
    quote_id = first.json()["quote_id"]
    cpq = sales.url("cpq-svc")

    huge = await sales.client.post(
        f"{cpq}/quotes/{quote_id}/reject", json={"reason": "x" * 1_100_000}
    )
    assert huge.status_code == 413, huge.text
    long = await sales.client.post(f"{cpq}/quotes/{quote_id}/reject", json={"reason": "x" * 2001})
    assert long.status_code == 422, long.text
    assert any(e["loc"] == ["body", "reason"] for e in long.json()["detail"])
    nul = await sales.client.post(f"{cpq}/quotes/{quote_id}/reject", json={"reason": "no\x00"})
    assert nul.status_code == 422, nul.text

    assert (await sales.client.get(f"{cpq}/quotes/{quote_id}")).json()["status"] == "draft"

    async def outbox_rows(event: str) -> int:
        return int(
            await _scalar(
                infra,
                "l2c_e2e_cpq",
                "SELECT count(*) FROM outbox WHERE ce_type = $1"
                " AND convert_from(payload, 'UTF8')::jsonb->>'quote_id' = $2",
                f"l2c.cpq.{event}.v1",
                quote_id,
            )
        )

    assert await outbox_rows("QuoteCreated") == 1
    assert await outbox_rows("QuoteRejected") == 0

    # The flow goes on: this quote is accepted and becomes a contract.
    accepted = await sales.client.post(f"{cpq}/quotes/{quote_id}/accept")
    assert accepted.status_code == 200, accepted.text

    async def contract() -> Any:
        found = await sales.client.get(
            sales.url("contract-svc") + "/contracts", params={"quote_id": quote_id}
        )
        return found.json()[0] if found.status_code == 200 and found.json() else None

    drafted = await eventually(contract, "the contract of the accepted quote", timeout=30)
    assert drafted["quote_id"] == quote_id


async def test_a_create_quote_retried_with_its_key_makes_one_quote(sales: Sales) -> None:
    key = {"Idempotency-Key": str(uuid4())}
    first = await sales.quote(headers=key)
    again = await sales.quote(headers=key)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json()["quote_id"] == first.json()["quote_id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert [q["quote_id"] for q in await sales.quotes()] == [first.json()["quote_id"]]

    other = await sales.quote(headers=key, term_months=24)
    assert other.status_code == 422
    assert other.json()["error"] == "IdempotencyKeyReused"
    assert len(await sales.quotes()) == 1

    # Without a key a retry is a new request: a second quote.
    assert (await sales.quote()).status_code == 201
    assert len(await sales.quotes()) == 2


async def test_a_create_opportunity_retried_with_its_key_makes_one_opportunity(
    sales: Sales,
) -> None:
    deal = sales.url("deal-svc")
    account_id = sales.opportunity["account_id"]
    body = {"account_id": account_id, "name": "Analytical Engines — more seats"}
    key = {"Idempotency-Key": f"expansion-{uuid4()}"}
    first = await sales.client.post(f"{deal}/opportunities", json=body, headers=key)
    again = await sales.client.post(f"{deal}/opportunities", json=body, headers=key)
    assert first.status_code == again.status_code == 201, (first.text, again.text)
    assert again.json()["opportunity_id"] == first.json()["opportunity_id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    listed = await sales.client.get(f"{deal}/opportunities", params={"account_id": account_id})
    names = [o["name"] for o in listed.json()]
    assert names.count(body["name"]) == 1


def _invoice(account: UUID, total: str, today: date) -> InvoiceIssued:
    return invoice_issued(account, total, today, due_in_days=10)


async def test_a_payment_recorded_twice_over_http_and_the_topic_is_one_payment(
    platform: Platform, infra: Infrastructure
) -> None:
    ar = platform.config.base_url("ar-svc")
    account = uuid4()
    async with operator_client(timeout=30) as client:
        now = datetime.fromisoformat((await client.get(f"{ar}/clock")).json()["now"])
        await publish_message(infra.kafka_bootstrap, _invoice(account, "300.00", now.date()))

        async def receivable() -> Any:
            r = await client.get(f"{ar}/accounts/{account}/balance")
            return r.json() if r.status_code == 200 and r.json()["invoices"] else None

        await eventually(receivable, "the invoice in ar-svc", timeout=30)

        async def payments_of(reference: str) -> int:
            return int(
                await _scalar(
                    infra,
                    "l2c_e2e_ar",
                    "SELECT count(*) FROM payments WHERE external_reference = $1",
                    reference,
                )
            )

        async def balance() -> str:
            r = await client.get(f"{ar}/accounts/{account}/balance")
            return str(r.json()["balance"])

        # HTTP first, then HTTP again and the gateway's topic with the same reference.
        by_http = f"bank-{uuid4()}"
        payment = {
            "external_reference": by_http,
            "account_id": str(account),
            "amount": {"amount": "100.00", "currency": "EUR"},
        }
        first = await client.post(f"{ar}/payments", json=payment)
        assert first.status_code == 201, first.text
        again = await client.post(f"{ar}/payments", json=payment)
        assert again.status_code == 200, again.text
        assert again.json()["payment_id"] == first.json()["payment_id"]
        assert again.json()["duplicate"] is True
        await publish_message(
            infra.kafka_bootstrap,
            PaymentNotified(
                external_reference=by_http,
                account_id=account,
                amount=Money.of("100.00", "EUR"),
                received_at=now,
            ),
        )

        # The topic first, then HTTP with the same reference: the existing payment, not a 500.
        by_topic = f"psp-{uuid4()}"
        await publish_message(
            infra.kafka_bootstrap,
            PaymentNotified(
                external_reference=by_topic,
                account_id=account,
                amount=Money.of("50.00", "EUR"),
                received_at=now,
            ),
        )

        async def recorded() -> bool | None:
            return True if await payments_of(by_topic) == 1 else None

        await eventually(recorded, "the gateway's payment", timeout=30)
        over_http = await client.post(
            f"{ar}/payments",
            json={
                **payment,
                "external_reference": by_topic,
                "amount": {"amount": "50.00", "currency": "EUR"},
            },
        )
        assert over_http.status_code == 200, over_http.text
        assert over_http.json()["duplicate"] is True

        # A marker payment sent after the duplicate on the same key (account): once it is
        # recorded, the duplicate before it was handled too.
        marker = f"marker-{uuid4()}"
        await publish_message(
            infra.kafka_bootstrap,
            PaymentNotified(
                external_reference=marker,
                account_id=account,
                amount=Money.of("1.00", "EUR"),
                received_at=now,
            ),
        )

        async def marker_recorded() -> bool | None:
            return True if await payments_of(marker) == 1 else None

        await eventually(marker_recorded, "the marker payment", timeout=30)
        assert await payments_of(by_http) == 1
        assert await payments_of(by_topic) == 1
        # 300.00 − 100.00 − 50.00 − 1.00: each payment counted once.
        assert await balance() == "149.00"


def _ce_headers(event_id: str, ce_type: str) -> list[tuple[str, bytes]]:
    return [
        ("ce_specversion", b"1.0"),
        ("ce_id", event_id.encode()),
        ("ce_type", ce_type.encode()),
        ("ce_source", b"/test/gateway"),
        ("content-type", b"application/json"),
    ]


async def test_events_beyond_the_limits_are_dead_lettered_with_the_reason(
    platform: Platform, infra: Infrastructure
) -> None:
    marker = uuid4().hex
    lead = {
        "email": f"nul+{marker[:8]}@example.com",
        "full_name": "Null\u0000Byte",
        "company": "Acme",
        "external_id": marker,
    }
    huge = {**lead, "full_name": "Big Co", "employees": 10_000_000_000}
    payment = {
        "external_reference": f"psp-{marker}",
        "account_id": str(uuid4()),
        "amount": {"amount": "10.001", "currency": "USD"},
        "received_at": "2026-01-01T00:00:00Z",
    }
    bootstrap = infra.kafka_bootstrap
    for number, body in enumerate((lead, huge)):
        await publish(
            bootstrap,
            LEAD_INTAKE,
            json.dumps(body).encode(),
            _ce_headers(f"lead-{number}-{marker}", LeadSubmitted.ce_type),
            marker.encode(),
        )
    await publish(
        bootstrap,
        PAYMENTS_INBOUND,
        json.dumps(payment).encode(),
        _ce_headers(f"pay-{marker}", PaymentNotified.ce_type),
        marker.encode(),
    )
    dead_leads = await wait_for_records(
        bootstrap, dead_letter_topic(LEAD_INTAKE), lambda r: r.key == marker.encode(), count=2
    )
    reasons = sorted(r.headers["l2c_error"] for r in dead_leads)
    assert len(reasons) == 2
    assert any("full_name: control character U+0000" in reason for reason in reasons)
    assert any("employees" in reason and "10000000" in reason for reason in reasons)
    [dead_payment] = await wait_for_records(
        bootstrap, dead_letter_topic(PAYMENTS_INBOUND), lambda r: r.key == marker.encode()
    )
    assert "USD amount 10.001" in dead_payment.headers["l2c_error"]
    assert "decimal places" in dead_payment.headers["l2c_error"]
