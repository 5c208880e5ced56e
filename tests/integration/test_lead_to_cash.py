"""End to end: the six services as OS processes on a real Kafka and PostgreSQL; one lead goes
in, the human steps go through the HTTP APIs, and the invoice ends paid with the right money."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from l2c_platform.journey import DEMO_FIRST_INVOICE_TOTAL, JourneyDriver
from l2c_platform.kafka_io import wait_for_records
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.spans import journey_spans, read_spans
from l2c_platform.tokens import operator_client
from l2c_schemas.deal import DealClosed
from l2c_schemas.topics import DEAL_EVENTS

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


async def test_one_lead_goes_from_capture_to_cash_in_one_trace(
    platform: Platform, infra: Infrastructure
) -> None:
    config = platform.config
    journey = await JourneyDriver(config.base_url).run()

    invoice = journey.invoice
    assert invoice["status"] == "paid"
    assert invoice["currency"] == "EUR"
    # 25 seats × 49.00 = 1225.00, less 10 % = 1102.50 a month; onboarding 1500.00 once.
    assert [(line["product_code"], Decimal(line["amount"])) for line in invoice["lines"]] == [
        ("PLAT-SEAT", Decimal("1102.50")),
        ("ONBOARD", Decimal("1500.00")),
    ]
    assert Decimal(invoice["lines"][0]["discount_amount"]) == Decimal("122.50")
    assert Decimal(invoice["subtotal"]) == Decimal(invoice["total"]) == DEMO_FIRST_INVOICE_TOTAL

    async with operator_client() as client:
        balance = (
            await client.get(f"{config.base_url('ar-svc')}/accounts/{journey.account_id}/balance")
        ).json()
        contract = (
            await client.get(f"{config.base_url('contract-svc')}/contracts/{journey.contract_id}")
        ).json()
        lead = (await client.get(f"{config.base_url('lead-svc')}/leads/{journey.lead_id}")).json()
        deal = f"{config.base_url('deal-svc')}/opportunities/{journey.opportunity_id}"
        opportunity = (await client.get(deal)).json()
        amount_by_hand = await client.patch(
            deal, json={"amount": {"amount": "1.00", "currency": "EUR"}}
        )
    # The deal's amount followed the accepted quote (net 2725.00 − 122.50 = 2602.50) and can
    # no longer be set by hand; DealClosed(won) carries what billing and contracts need.
    assert opportunity["status"] == "won"
    assert opportunity["amount"] == {"amount": "2602.50", "currency": "EUR"}
    assert (opportunity["quote_id"], opportunity["contract_id"]) == (
        journey.quote_id,
        journey.contract_id,
    )
    assert amount_by_hand.status_code == 409, amount_by_hand.text
    # ... and the deal carries the qualified lead's context: its source, campaign, score, team
    assert (opportunity["owner"], opportunity["lead_team"]) == (lead["owner_id"], lead["team"])
    assert opportunity["lead_score"] == 80
    assert (opportunity["lead_source"], opportunity["lead_campaign"]) == (
        "demo_request",
        "autumn-webinar",
    )
    (closed,) = await wait_for_records(
        infra.kafka_bootstrap,
        DEAL_EVENTS,
        lambda r: (
            r.headers.get("ce_type") == DealClosed.ce_type
            and r.json()["opportunity_id"] == journey.opportunity_id
        ),
    )
    body = closed.json()
    assert (body["outcome"], body["amount"]) == ("won", {"amount": "2602.50", "currency": "EUR"})
    assert (body["quote_id"], body["contract_id"]) == (journey.quote_id, journey.contract_id)
    assert (body["lead_id"], body["account_id"]) == (journey.lead_id, journey.account_id)

    assert Decimal(balance["balance"]) == Decimal("0")
    assert Decimal(balance["unapplied_cash"]) == Decimal("0")
    assert [i["status"] for i in balance["invoices"]] == ["paid"]
    # 12 months × 1102.50 + 1500.00 onboarding
    assert Decimal(contract["total_contract_value"]["amount"]) == Decimal("14730.00")

    spans = journey_spans(read_spans(config.span_file), journey.lead_id)  # type: ignore[arg-type]
    services = {s["service"] for s in spans}
    traces = Counter(s["trace_id"] for s in spans)
    assert services == {
        "lead-svc",
        "deal-svc",
        "cpq-svc",
        "contract-svc",
        "billing-svc",
        "ar-svc",
    }
    assert len(traces) == 1, f"the journey is split over traces: {traces}"
    assert len(next(iter(traces))) == 32
