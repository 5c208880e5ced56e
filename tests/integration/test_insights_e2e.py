"""End to end: insights-svc follows journeys through the real services (OS processes, real
Kafka and PostgreSQL, the simulated clock) and answers metrics computed here by hand.

The population has its own lead source, so the metrics grouped by source count only it:
- L2: a lead too weak to qualify: captured, no opportunity;
- L3: the demo lead, qualified, its deal closed lost by its rep;
- L1: the demo lead driven to cash, with the platform clock advanced by 2 days once its
  opportunity is open, 3 days once its contract is drafted (so it is signed and won 5 days
  after the opportunity opened) and 10 days once its first invoice is issued (paid 15 days
  after capture). Real time passes too while the steps run: durations are checked to lie
  within 10 minutes above the simulated days.

`l2c insights rebuild` into an empty database then gives the same journeys and metrics.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from typer.testing import CliRunner

from insights_svc.adapters import facts
from insights_svc.domain import metrics
from l2c_platform.cli import build_app
from l2c_platform.journey import DEMO_LEAD, JourneyDriver, _owning_rep, eventually
from l2c_platform.kafka_io import publish, wait_for_records
from l2c_platform.launcher import BY_NAME, SERVICES, Infrastructure, Platform
from l2c_platform.testing import empty_database
from l2c_platform.tokens import client_as, operator_client
from l2c_runtime.clock_follower import advance_platform_clock
from l2c_runtime.db import create_engine, session_factory
from l2c_schemas.topics import CONTRACT_EVENTS, dead_letter_topic

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

WEAK_LEAD = {
    "full_name": "Tom Tinker",
    "company": "Tinker Garage",
    "employees": 2,
    "title": "Student",
}
"""A lead too small, with too junior a title, to qualify."""
DAY = 86400.0
SLACK = 600.0
"""Real seconds that may pass while the steps run, on top of the simulated days."""


async def _times(platform: Platform) -> dict[str, datetime]:
    async with operator_client() as client:
        return {
            spec.name: datetime.fromisoformat(
                (await client.get(f"{platform.config.base_url(spec.name)}/clock")).json()["now"]
            )
            for spec in SERVICES
        }


async def _advance(platform: Platform, infra: Infrastructure, delta: timedelta) -> None:
    before = await _times(platform)
    await advance_platform_clock(infra.kafka_bootstrap, delta)

    async def moved() -> bool | None:
        now = await _times(platform)
        return all(now[name] - before[name] >= delta for name in now) or None

    await eventually(moved, "every service to adopt the new time", timeout=30)


async def test_journeys_and_metrics_of_a_mixed_population(
    platform: Platform, infra: Infrastructure
) -> None:
    config = platform.config
    insights = config.base_url("insights-svc")
    source = f"insights-{uuid4().hex[:8]}"
    start = (await _times(platform))["insights-svc"]

    # L2: too weak to qualify
    weak = await _capture_weak_lead(config.base_url, source)

    # L3: qualified, then lost
    lost_lead = await _capture_demo_lead(config.base_url, source)
    lost_opportunity = await _opportunity_of(config.base_url, lost_lead)
    async with _owning_rep(lost_opportunity) as rep:
        response = await rep.post(
            config.base_url("deal-svc")
            + f"/opportunities/{lost_opportunity['opportunity_id']}/close-lost",
            json={"reason": "no budget this year"},
        )
    assert response.status_code == 200, response.text

    # L1: to cash, with the clock advanced between steps
    advances = {
        "opportunity opened": timedelta(days=2),
        "contract drafted": timedelta(days=3),
        "invoice issued": timedelta(days=10),
    }

    async def after_step(name: str) -> None:
        if name in advances:
            await _advance(platform, infra, advances[name])

    journey = await JourneyDriver(config.base_url, after_step=after_step).run(source=source)

    async with client_as(["finance"], "fiona.finance", timeout=10.0) as finance:
        seen = await _journey_once(finance, insights, journey.lead_id, "paid")
        stages = [s["stage"] for s in seen["stages"]]
        for expected in (
            "LeadCaptured",
            "LeadQualified",
            "OpportunityOpened",
            "QuoteCreated",
            "QuoteAccepted",
            "ContractDrafted",
            "ContractSigned",
            "OrderPlaced",
            "DealClosed",
            "SubscriptionActivated",
            "InvoiceIssued",
            "PaymentReceived",
            "PaymentApplied",
            "InvoicePaid",
        ):
            assert expected in stages, (expected, stages)
        by_stage = {s["stage"]: s for s in seen["stages"]}
        assert by_stage["ContractSigned"]["actor"] == "lena.legal"
        assert by_stage["ContractSigned"]["ids"]["contract_id"] == journey.contract_id
        assert by_stage["InvoiceIssued"]["ids"]["invoice_id"] == journey.invoice["id"]
        assert by_stage["InvoiceIssued"]["amounts"]["total"] == journey.invoice["total"]
        assert all(len(s["trace_id"] or "") == 32 for s in seen["stages"]), seen["stages"]
        assert seen["account_id"] == journey.account_id
        assert seen["source"] == source

        await _journey_once(finance, insights, lost_lead, "lost")

        async def listed(**params: str) -> list[str]:
            response = await finance.get(f"{insights}/journeys", params=params)
            assert response.status_code == 200, response.text
            return [item["lead_id"] for item in response.json()["items"]]

        since = start.isoformat()
        assert lost_lead in await listed(status="lost", **{"from": since})
        assert lost_lead not in await listed(status="paid", **{"from": since})
        assert await listed(account_id=journey.account_id) == [journey.lead_id]
        first_page = await finance.get(f"{insights}/journeys", params={"limit": "1"})
        assert len(first_page.json()["items"]) == 1
        assert first_page.json()["next_offset"] == 1
        bad = await finance.get(f"{insights}/journeys", params={"status": "sideways"})
        assert bad.status_code == 422, bad.text
        unknown = await finance.get(f"{insights}/metrics/happiness")
        assert unknown.status_code == 404, unknown.text
        assert (await finance.get(f"{insights}/metrics/dso")).status_code == 422
        period = {"from": since, "to": (start + timedelta(days=60)).isoformat()}
        receivables = await finance.get(f"{insights}/metrics/dso", params=period)
        assert receivables.status_code == 200, receivables.text
        # L1's invoice was issued and paid in the period (others' may be open).
        assert receivables.json()["groups"]["EUR"]["days"] == "60"

        async def metric(name: str) -> dict[str, Any]:
            response = await finance.get(
                f"{insights}/metrics/{name}", params={"from": start.isoformat(), "by": "source"}
            )
            assert response.status_code == 200, response.text
            return dict(response.json()["groups"][source])

        # Of L1, L2, L3 captured: L1 and L3 became opportunities -> 2/3.
        assert await metric("lead_to_opportunity_rate") == {
            "numerator": 2,
            "denominator": 3,
            "rate": "0.6667",
        }
        # Closed: L1 won, L3 lost -> 1/2.
        assert await metric("opportunity_win_rate") == {
            "numerator": 1,
            "denominator": 2,
            "rate": "0.5000",
        }
        # L1: opportunity opened -> won = 2 d + 3 d of simulated time (+ real seconds).
        cycle = await metric("sales_cycle")
        assert cycle["count"] == 1
        assert 5 * DAY <= cycle["p50_seconds"] < 5 * DAY + SLACK
        # L1: captured -> paid = 2 d + 3 d + 10 d.
        cash = await metric("lead_to_cash")
        assert 15 * DAY <= cash["mean_seconds"] < 15 * DAY + SLACK
        # L1: the invoice follows the signature without a clock advance.
        assert (await metric("signature_to_invoice"))["p90_seconds"] < SLACK

        funnel = await finance.get(f"{insights}/metrics/funnel", params={"from": start.isoformat()})
        assert funnel.status_code == 200, funnel.text
        # Other tests' leads may share the period: the funnel covers at least our three.
        counts = {row["stage"]: row["count"] for row in funnel.json()["stages"]}
        assert counts["captured"] >= 3 and counts["paid"] >= 1

    await _rebuild_gives_the_same_answers(
        platform, infra, source, start, [journey.lead_id, lost_lead, weak]
    )

    async with client_as(["sales_rep"], "sally.sales", ["EMEA"], timeout=10.0) as rep:
        refused = await rep.get(f"{insights}/journeys/{journey.lead_id}")
    assert refused.status_code == 403, refused.text


async def _rebuild_gives_the_same_answers(
    platform: Platform,
    infra: Infrastructure,
    source: str,
    start: datetime,
    leads: list[str],
) -> None:
    """`l2c insights rebuild` into an empty database: the same journeys and metrics."""
    fresh = await empty_database("l2c_e2e_insights_rebuild")
    runner = CliRunner()
    args = ["insights", "rebuild", "--database", fresh, "--bootstrap", infra.kafka_bootstrap]
    outcome = await asyncio.to_thread(runner.invoke, build_app(), [*args, "--json"])
    assert outcome.exit_code == 0, outcome.output
    assert json.loads(outcome.output)["facts"] > 0
    live_url = platform.config.database_url(BY_NAME["insights-svc"])
    answers = []
    for url in (live_url, fresh):
        engine = create_engine(url, 1)
        try:
            async with session_factory(engine)() as session:
                journeys = await facts.journey_milestones(session, start)
                timelines = [await facts.facts_of_lead(session, UUID(lead), 1000) for lead in leads]
        finally:
            await engine.dispose()
        ours = [m for m in journeys if m.source == source]
        values = {n: metrics.compute(n, ours, start, None, "source") for n in metrics.DEFINITIONS}
        answers.append((timelines, ours, values, metrics.funnel(ours, start)))
    live, rebuilt = answers
    assert len(live[1]) == 3
    assert rebuilt == live


async def _journey_once(
    finance: httpx.AsyncClient, insights: str, lead_id: str, status: str
) -> dict[str, Any]:
    """The lead's journey once insights-svc has seen it reach `status`."""

    async def reached() -> dict[str, Any] | None:
        response = await finance.get(f"{insights}/journeys/{lead_id}")
        body = response.json() if response.status_code == 200 else None
        return dict(body) if body and body["status"] == status else None

    return await eventually(reached, f"insights-svc to see {lead_id} {status}", 90)


async def _capture_weak_lead(base_url: Any, source: str) -> str:
    captured = await _capture(base_url, source, WEAK_LEAD)
    assert captured["status"] not in ("sales_qualified", "qualified"), captured
    return str(captured["lead_id"])


async def _capture_demo_lead(base_url: Any, source: str) -> str:
    return str((await _capture(base_url, source, DEMO_LEAD))["lead_id"])


async def _capture(base_url: Any, source: str, lead: dict[str, Any]) -> dict[str, Any]:
    """The lead as lead-svc captured it from a web form, with a fresh e-mail address."""
    async with client_as(["integration"], "web-forms", timeout=10.0) as intake:
        response = await intake.post(
            base_url("lead-svc") + "/leads",
            json={**lead, "source": source, "email": f"lead+{uuid4().hex[:8]}@x.example"},
        )
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


async def _opportunity_of(base_url: Any, lead_id: str) -> dict[str, Any]:
    async with client_as(["finance"], "fiona.finance", timeout=10.0) as finance:

        async def found() -> dict[str, Any] | None:
            response = await finance.get(
                base_url("deal-svc") + "/opportunities", params={"lead_id": lead_id}
            )
            rows = response.json() if response.status_code == 200 else []
            return rows[0] if rows else None

        return await eventually(found, "the opportunity of the lost lead", 60)


async def test_a_bad_journey_event_goes_to_its_dead_letter_topic_with_the_reason(
    platform: Platform, infra: Infrastructure
) -> None:
    """A ContractSigned without its ids on the contract events topic: insights-svc cannot
    read it, dead-letters it with the reason, and goes on (so do the other consumers)."""
    marker = uuid4().hex
    headers = [
        (name, value.encode())
        for name, value in (
            ("ce_specversion", "1.0"),
            ("ce_id", str(uuid4())),
            ("ce_source", "/test/insights"),
            ("ce_type", "l2c.contract.ContractSigned.v1"),
            ("ce_time", datetime.now(UTC).isoformat()),
            ("content-type", "application/json"),
        )
    ]
    await publish(
        infra.kafka_bootstrap,
        CONTRACT_EVENTS,
        b'{"lead_id": "not-a-uuid"}',
        headers,
        marker.encode(),
    )
    dead = await wait_for_records(
        infra.kafka_bootstrap,
        dead_letter_topic(CONTRACT_EVENTS),
        lambda r: r.key == marker.encode() and r.headers.get("l2c_consumer") == "insights-svc-e2e",
        timeout=60,
    )
    assert len(dead) == 1
    assert dead[0].headers["l2c_error_type"] == "InvalidMessage"
    assert "lead_id" in dead[0].headers["l2c_error"]
