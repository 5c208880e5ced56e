"""`GET /metrics` of running services (real processes, real Kafka and PostgreSQL): events
driven through them show up as counters, the sampled gauges (consumer lag, outbox age, table
sizes) are there, and money is summed exactly."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from l2c_platform.factories import invoice_issued
from l2c_platform.journey import eventually
from l2c_platform.kafka_io import publish, publish_message
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.tokens import operator_client
from l2c_schemas import InvoiceIssued, LeadSubmitted
from l2c_schemas.lead import LeadActivityRecorded
from l2c_schemas.topics import LEAD_ACTIVITY, LEAD_INTAKE

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(base_url: str) -> Samples:
    # no token: /metrics is open like /health (reachable on the cluster network only)
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.get(f"{base_url}/metrics")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def series(samples: Samples, name: str) -> list[dict[str, str]]:
    return [dict(labels) for (n, labels) in samples if n == name]


async def test_lead_intake_shows_as_handled_captured_and_dead_lettered_with_lag_and_outbox_age(
    platform: Platform, infra: Infrastructure
) -> None:
    lead_svc = platform.config.base_url("lead-svc")
    before = await scrape(lead_svc)
    marker = uuid4().hex[:10]
    for n in range(3):
        await publish_message(
            infra.kafka_bootstrap,
            LeadSubmitted(
                email=f"m{n}-{marker}@m{n}{marker}.example",
                full_name="Mo Metric",
                company=f"Metric {n} {marker} Ltd",
                source="web_form",
            ),
        )
    bad = b'{"kind": "page_view", "occurred_at": "2026-11-26T10:00:00Z"}'
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", f"metrics-{marker}".encode()),
        ("ce_type", LeadActivityRecorded.ce_type.encode()),
        ("ce_source", b"/test/web-analytics"),
    ]
    await publish(infra.kafka_bootstrap, LEAD_ACTIVITY, bad, headers, marker.encode())

    submitted = {"event_type": LeadSubmitted.ce_type}
    dead = {
        "topic": LEAD_ACTIVITY,
        "event_type": LeadActivityRecorded.ce_type,
        "error_type": "InvalidMessage",  # the activity names neither lead_id nor email
    }

    async def counted() -> Samples | None:
        now = await scrape(lead_svc)
        handled = value(now, "l2c_events_handled_total", **submitted)
        dead_lettered = value(now, "l2c_events_dead_lettered_total", **dead)
        done = handled - value(before, "l2c_events_handled_total", **submitted) >= 3
        done = done and dead_lettered > value(before, "l2c_events_dead_lettered_total", **dead)
        return now if done and series(now, "l2c_consumer_lag_records") else None

    try:
        after = await eventually(counted, "the intake and the dead letter counted", timeout=60)
    except TimeoutError:
        after = await scrape(lead_svc)  # the assertions below say what is missing
    handled = value(after, "l2c_events_handled_total", **submitted)
    assert handled - value(before, "l2c_events_handled_total", **submitted) == 3, [
        (labels, v) for (n, labels), v in after.items() if n == "l2c_events_handled_total"
    ]
    captured = value(after, "l2c_leads_captured_total")
    assert captured - value(before, "l2c_leads_captured_total") == 3
    assert (
        value(after, "l2c_events_dead_lettered_total", **dead)
        - value(before, "l2c_events_dead_lettered_total", **dead)
        == 1
    ), series(after, "l2c_events_dead_lettered_total")
    assert value(after, "l2c_event_handler_duration_seconds_count", **submitted) >= 3
    lagged = {(s["group"], s["topic"]) for s in series(after, "l2c_consumer_lag_records")}
    assert ("lead-svc-e2e", LEAD_INTAKE) in lagged, lagged
    assert all(v >= 0 for (n, _), v in after.items() if n == "l2c_consumer_lag_records")
    # sampled from the database: present, and the outbox drained by the relay meanwhile
    assert ("l2c_outbox_oldest_pending_age_seconds", frozenset()) in after
    assert value(after, "l2c_outbox_parked_rows") == 0
    assert value(after, "l2c_relay_events_published_total", event_type="l2c.lead.LeadCaptured.v1")

    async def inbox_counted() -> bool | None:
        now = await scrape(lead_svc)
        return True if value(now, "l2c_messaging_table_rows", table="inbox") >= 3 else None

    await eventually(inbox_counted, "the inbox's size sampled", timeout=30)


def _invoice(account: UUID, total: str, currency: str, today: date) -> InvoiceIssued:
    return invoice_issued(account, total, today, due_in_days=10, currency=currency)


async def test_cash_collected_is_the_exact_sum_of_payments_and_requests_count_per_route(
    platform: Platform, infra: Infrastructure
) -> None:
    ar = platform.config.base_url("ar-svc")
    currency = "NZD"  # no other test pays in it: the counter starts at zero
    account = uuid4()
    before = await scrape(ar)
    route = {"method": "POST", "route": "/payments", "status": "201"}
    async with operator_client(timeout=30) as client:
        now = datetime.fromisoformat((await client.get(f"{ar}/clock")).json()["now"])
        # a receivable of the account in NZD, so that its payments are accepted
        await publish_message(
            infra.kafka_bootstrap, _invoice(account, "1.00", currency, now.date())
        )

        async def receivable() -> bool | None:
            answer = await client.get(f"{ar}/accounts/{account}/balance")
            return True if answer.status_code == 200 and answer.json()["invoices"] else None

        await eventually(receivable, "the invoice's receivable", timeout=30)
        for amount in ("0.10", "0.20", "0.30"):
            answer = await client.post(
                f"{ar}/payments",
                json={
                    "external_reference": f"metrics-{uuid4()}",
                    "account_id": str(account),
                    "amount": {"amount": amount, "currency": currency},
                },
            )
            assert answer.status_code == 201, answer.text
        missing = await client.get(f"{ar}/payments/{uuid4()}")
        assert missing.status_code == 404
    after = await scrape(ar)
    # 0.10 + 0.20 + 0.30 = 0.60, where adding floats payment by payment gives
    # 0.6000000000000001
    assert value(before, "l2c_cash_collected_total", currency=currency) == 0
    collected = value(after, "l2c_cash_collected_total", currency=currency)
    assert Decimal(repr(collected)) == Decimal("0.60")
    assert (
        value(after, "l2c_http_requests_total", **route)
        - value(before, "l2c_http_requests_total", **route)
        == 3
    )
    # the template, never the raw path (one series whatever the id)
    templates = {s["route"] for s in series(after, "l2c_http_requests_total")}
    assert "/payments/{payment_id}" in templates
    assert not any(str(account) in t for t in templates)
