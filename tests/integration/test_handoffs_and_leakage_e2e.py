"""End to end: hand-off SLAs and the leakage watch on the real services (OS processes, real
Kafka and PostgreSQL, the simulated clock).

RevOps shortens `contract_drafted_to_signed` to 2 days through the API. The demo lead is
driven to cash with the clock advanced 3 days once its contract is drafted, so three of its
hand-offs breach: the contract is signed a day late, nobody ever contacts the lead (1 day),
and the opportunity moved to proposal never has a quote *sent* (the customer accepts it
directly; 1 day). Two hand-offs of it meet their SLA: the accepted quote's contract is drafted
at once, and the first invoice follows the signature at once.

Leakage is planted once per kind the platform's own APIs cannot produce by themselves, as the
events a misbehaving service would publish, on journeys of their own, and once through the
API (cash paid with no invoice to take it):
- a contract signed with no order (total contract value 14730.00 EUR at risk);
- a quote accepted with 2000.00 off a list of 10000.00, never approved: 15 % (1500.00) is
  allowed, 500.00 at risk;
- an invoice overdue (balance 1428.00) that no dunning notice chases;
- 250.00 paid by the demo customer with no open invoice, left unapplied past 3 days.
Fixing each cause clears its finding: the contract is terminated, the quote approved, the
notice sent, and a month later billing's next invoice takes the unapplied cash.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import pytest
from typer.testing import CliRunner

from l2c_platform.cli import build_app
from l2c_platform.factories import invoice_issued
from l2c_platform.journey import JourneyDriver, demo_quote_accepted, eventually
from l2c_platform.kafka_io import publish_message, wait_for_records
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.tokens import bearer, client_as, operator_client
from l2c_runtime.clock_follower import advance_platform_clock
from l2c_schemas import Money, QuoteTotals
from l2c_schemas.ar import DunningNoticeSent, InvoiceOverdue
from l2c_schemas.billing import SubscriptionActivated
from l2c_schemas.contract import ContractSigned, ContractTerminated, OrderPlaced
from l2c_schemas.cpq import ApprovalDecision, QuoteApproved
from l2c_schemas.topics import INSIGHTS_EVENTS

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

DAY = 86400


def _running(platform: Platform) -> list[str]:
    return [n for n, s in platform.services.items() if s.process and s.process.poll() is None]


async def _times(platform: Platform) -> dict[str, datetime]:
    """Each running service's time."""
    async with operator_client() as client:
        return {
            name: datetime.fromisoformat(
                (await client.get(f"{platform.config.base_url(name)}/clock")).json()["now"]
            )
            for name in _running(platform)
        }


async def _advance(platform: Platform, infra: Infrastructure, delta: timedelta) -> None:
    """Advance the platform clock and wait until every running service has adopted it."""
    before = await _times(platform)
    await advance_platform_clock(infra.kafka_bootstrap, delta)

    async def moved() -> bool | None:
        now = await _times(platform)
        return all(now[name] - before[name] >= delta for name in before) or None

    await eventually(moved, "every running service to adopt the new time", timeout=30)


def _eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


async def _findings(client: httpx.AsyncClient, insights: str, lead_id: str) -> list[Any]:
    response = await client.get(f"{insights}/leakage", params={"lead_id": lead_id})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_handoff_breaches_and_leakage_findings_that_clear_themselves(
    platform: Platform, infra: Infrastructure
) -> None:
    config = platform.config
    insights = config.base_url("insights-svc")
    bootstrap = infra.kafka_bootstrap

    # RevOps shortens one SLA; finance may read SLAs but not change them.
    async with client_as(["revops_admin"], "rita.revops", timeout=10.0) as revops:
        current = (await revops.get(f"{insights}/handoff-slas/contract_drafted_to_signed")).json()
        body = {k: current[k] for k in ("from_stage", "to_stages", "owner_team", "correlate_by")}
        body |= {"duration_seconds": 2 * DAY, "expected_version": current["version"]}
        changed = await revops.put(f"{insights}/handoff-slas/contract_drafted_to_signed", json=body)
        assert changed.status_code == 200, changed.text
        assert changed.json()["version"] == current["version"] + 1
        stale = await revops.put(f"{insights}/handoff-slas/contract_drafted_to_signed", json=body)
        assert stale.status_code == 409, stale.text
        unknown = {**body, "from_stage": "LeadHappy", "expected_version": None}
        refused = await revops.put(f"{insights}/handoff-slas/lead_happiness", json=unknown)
        assert refused.status_code == 422, refused.text
        versions = await revops.get(f"{insights}/handoff-slas/contract_drafted_to_signed/versions")
        newest = versions.json()[0]
        assert newest["changed_by"] == "rita.revops"
        assert newest["definition"]["duration_seconds"] == 2 * DAY
    async with client_as(["finance"], "fiona.finance", timeout=10.0) as finance:
        forbidden = await finance.put(
            f"{insights}/handoff-slas/contract_drafted_to_signed", json=body
        )
        assert forbidden.status_code == 403, forbidden.text
    async with client_as(["auditor"], "audrey.audit", timeout=10.0) as auditor:
        trail = await auditor.get(
            f"{insights}/audit", params={"entity_id": "contract_drafted_to_signed"}
        )
        assert trail.status_code == 200, trail.text
        [entry] = trail.json()["items"]
        assert entry["actor"] == "rita.revops"
        assert entry["action"] == "handoff_sla.change"

    # Leakage planted as events of their own journeys, at the platform's time.
    now = (await _times(platform))["insights-svc"]
    signed = ContractSigned(
        lead_id=uuid4(),
        account_id=uuid4(),
        contract_id=uuid4(),
        quote_id=uuid4(),
        opportunity_id=uuid4(),
        signed_by="Grace Hopper <grace@example.org>",
        total_contract_value=_eur("14730.00"),
        signed_at=now,
    )
    accepted = demo_quote_accepted(now).model_copy(
        update={
            "totals": QuoteTotals(
                list_total=_eur("10000.00"),
                discount_total=_eur("2000.00"),
                net_total=_eur("8000.00"),
            )
        }
    )
    overdue = InvoiceOverdue(
        lead_id=uuid4(),
        account_id=uuid4(),
        invoice_id=uuid4(),
        invoice_number="INV-LEAK-1",
        due_date=(now - timedelta(days=1)).date(),
        balance=_eur("1428.00"),
        days_past_due=1,
        detected_at=now,
    )
    for message in (signed, accepted, overdue):
        await publish_message(bootstrap, message)

    advances = {"contract drafted": timedelta(days=3)}

    async def after_step(name: str) -> None:
        if name in advances:
            await _advance(platform, infra, advances[name])

    journey = await JourneyDriver(config.base_url, after_step=after_step).run()

    # 250.00 paid with no open invoice: unapplied, then 4 days pass.
    async with client_as(["integration"], "bank-feed", timeout=10.0) as bank:
        paid = await bank.post(
            config.base_url("ar-svc") + "/payments",
            json={
                "external_reference": f"bank-{uuid4().hex[:12]}",
                "account_id": journey.account_id,
                "amount": {"amount": "250.00", "currency": "EUR"},
            },
        )
    assert paid.status_code == 201, paid.text
    assert Decimal(paid.json()["unapplied"]) == Decimal("250.00")
    await _advance(platform, infra, timedelta(days=4))

    # Hand-offs: three breached, two met, each announced once.
    def of_journey(record: Any) -> bool:
        return bool(record.json().get("lead_id") == journey.lead_id)

    expected = {
        ("HandoffSlaBreached", "contract_drafted_to_signed"),
        ("HandoffSlaBreached", "assigned_to_first_contact"),
        ("HandoffSlaBreached", "proposal_to_quote_sent"),
        ("HandoffSlaMet", "quote_accepted_to_contract_drafted"),
        ("HandoffSlaMet", "contract_signed_to_first_invoice"),
    }

    def outcome(record: Any) -> tuple[str, str]:
        return (record.headers["ce_type"].split(".")[2], record.json()["sla_key"])

    announced = await wait_for_records(
        bootstrap,
        INSIGHTS_EVENTS,
        lambda r: of_journey(r) and outcome(r) in expected,
        count=len(expected),
        timeout=90,
    )
    assert sorted(outcome(r) for r in announced) == sorted(expected)  # once each
    late = next(r.json() for r in announced if r.json()["sla_key"] == "contract_drafted_to_signed")
    assert late["owner_team"] == "legal"
    assert late["sla_seconds"] == 2 * DAY
    assert late["subject_id"] == journey.contract_id
    assert late["elapsed_seconds"] >= 2 * DAY
    assert late["trace_id"] and len(late["trace_id"]) == 32

    async with client_as(["finance"], "fiona.finance", timeout=10.0) as finance:
        breached = await finance.get(
            f"{insights}/handoffs", params={"state": "breached", "lead_id": journey.lead_id}
        )
        assert breached.status_code == 200, breached.text
        page = breached.json()
        keys = {item["sla_key"] for item in page["items"]}
        # still open: the contact, the sent quote and the unapplied 250.00 (a day to apply
        # it); the signature has ended (late)
        assert keys == {
            "assigned_to_first_contact",
            "proposal_to_quote_sent",
            "payment_received_to_applied",
        }, page
        for item in page["items"]:
            assert item["overdue_seconds"] > 0 and item["age_seconds"] >= 4 * DAY
            assert item["journey"] == f"/journeys/{journey.lead_id}"
        assert page["stages"]["proposal_to_quote_sent"]["breached"] == 1
        bad = await finance.get(f"{insights}/handoffs", params={"state": "sideways"})
        assert bad.status_code == 422, bad.text

        # Leakage: one finding per planted kind, amounts by hand.
        planted = {
            str(signed.lead_id): ("contract_signed_without_order", "14730.00"),
            str(accepted.lead_id): ("discount_without_approval", "500.00"),
            str(overdue.lead_id): ("overdue_without_dunning", "1428.00"),
            journey.lead_id: ("payment_unapplied", "250.00"),
        }
        for lead_id, (detector, amount) in planted.items():
            items = [
                f for f in await _findings(finance, insights, lead_id) if f["detector"] == detector
            ]
            assert len(items) == 1, (detector, items)
            assert items[0]["amount_at_risk"] == amount
            assert items[0]["currency"] == "EUR"
            assert items[0]["journey"] == f"/journeys/{lead_id}"
        # The demo journey itself leaks nothing else.
        assert [f["detector"] for f in await _findings(finance, insights, journey.lead_id)] == [
            "payment_unapplied"
        ]

    # `l2c handoffs` and `l2c leakage` show the same.
    runner = CliRunner()
    env = {
        "L2C_INSIGHTS_URL": insights,
        "L2C_TOKEN": bearer(["finance"], "fiona.finance")["Authorization"].removeprefix("Bearer "),
    }
    shown = await asyncio.to_thread(
        runner.invoke, build_app(), ["handoffs", "--state", "breached", "--json"], env=env
    )
    assert shown.exit_code == 0, shown.output
    assert {i["lead_id"] for i in json.loads(shown.output)["items"]} >= {journey.lead_id}
    leaks = await asyncio.to_thread(runner.invoke, build_app(), ["leakage", "--json"], env=env)
    assert leaks.exit_code == 0, leaks.output
    assert json.loads(leaks.output)["detectors"]["payment_unapplied"]["findings"] >= 1
    table = await asyncio.to_thread(runner.invoke, build_app(), ["leakage"], env=env)
    assert table.exit_code == 0 and "payment_unapplied" in table.output, table.output

    # Prometheus gauges per detector and per SLA state.
    async with httpx.AsyncClient(timeout=10.0) as plain:

        async def sampled() -> str | None:
            text = (await plain.get(f"{insights}/metrics")).text
            wanted = 'l2c_leakage_findings{detector="payment_unapplied"}'
            has = wanted in text and 'l2c_handoffs{sla="proposal_to_quote_sent",state="breached"}'
            return text if has and f"{wanted} 0.0" not in text else None

        await eventually(sampled, "the watch's gauges", 90)

    # Fix each cause: the findings clear themselves.
    later = (await _times(platform))["insights-svc"]
    await publish_message(
        bootstrap,
        ContractTerminated(
            lead_id=signed.lead_id,
            account_id=signed.account_id,
            contract_id=signed.contract_id,
            effective_date=later.date(),
            reason="signed in error",
            terminated_at=later,
        ),
    )
    await publish_message(
        bootstrap,
        QuoteApproved(
            lead_id=accepted.lead_id,
            account_id=accepted.account_id,
            quote_id=accepted.quote_id,
            opportunity_id=accepted.opportunity_id,
            version=1,
            discount_percent="20",
            approvals=[
                ApprovalDecision(step_no=1, role="sales_manager", actor="sam", decided_at=later)
            ],
            approved_at=later,
        ),
    )
    await publish_message(
        bootstrap,
        DunningNoticeSent(
            lead_id=overdue.lead_id,
            account_id=overdue.account_id,
            invoice_id=overdue.invoice_id,
            invoice_number=overdue.invoice_number,
            step=1,
            step_name="first reminder",
            channel="email",
            final=False,
            balance=_eur("1428.00"),
            days_past_due=8,
            sent_at=later,
        ),
    )
    # A month on, billing's next invoice of the subscription takes the unapplied cash.
    await _advance(platform, infra, timedelta(days=27))
    async with client_as(["finance"], "fiona.finance", timeout=10.0) as finance:
        for lead_id, (detector, _) in planted.items():

            async def cleared(lead: str = lead_id, kind: str = detector) -> bool | None:
                found = await _findings(finance, insights, lead)
                return not any(f["detector"] == kind for f in found) or None

            await eventually(cleared, f"{detector} to clear", 120)

    async with client_as(["sales_rep"], "sally.sales", ["EMEA"], timeout=10.0) as rep:
        assert (await rep.get(f"{insights}/handoffs")).status_code == 403
        assert (await rep.get(f"{insights}/leakage")).status_code == 403


async def test_an_order_billing_has_not_seen_and_a_subscription_never_invoiced_leak_until_fixed(
    platform: Platform, infra: Infrastructure
) -> None:
    """billing-svc is down while a contract is signed and ordered (total contract value
    14730.00 EUR): after an hour the order without a subscription is a finding, and it clears
    once the contract is terminated. A subscription announced without
    its first invoice (recurring 1102.50 EUR, billed in advance) is a finding a day later, and
    clears when the invoice is issued."""
    config = platform.config
    insights = config.base_url("insights-svc")
    bootstrap = infra.kafka_bootstrap
    billing = platform.services["billing-svc"]
    billing.stop()
    try:
        now = (await _times(platform))["insights-svc"]
        quote = demo_quote_accepted(now)
        signed = ContractSigned(
            lead_id=quote.lead_id,
            account_id=quote.account_id,
            contract_id=uuid4(),
            quote_id=quote.quote_id,
            opportunity_id=quote.opportunity_id,
            signed_by="Ada Lovelace <ada@engines.example>",
            total_contract_value=_eur("14730.00"),
            signed_at=now,
        )
        order = OrderPlaced(
            lead_id=quote.lead_id,
            account_id=quote.account_id,
            order_id=uuid4(),
            contract_id=signed.contract_id,
            customer_name=quote.customer_name,
            currency="EUR",
            start_date=now.date(),
            end_date=(now + timedelta(days=365)).date(),
            billing_period="month",
            payment_terms_days=30,
            lines=quote.lines,
            placed_at=now,
        )
        activated = SubscriptionActivated(
            lead_id=uuid4(),
            account_id=uuid4(),
            subscription_id=uuid4(),
            order_id=uuid4(),
            contract_id=uuid4(),
            currency="EUR",
            billing_period="month",
            start_date=now.date(),
            end_date=(now + timedelta(days=365)).date(),
            recurring_amount=_eur("1102.50"),
            activated_at=now,
        )
        for message in (signed, order, activated):
            await publish_message(bootstrap, message)
        await _advance(platform, infra, timedelta(days=1, hours=2))

        async with client_as(["finance"], "fiona.finance", timeout=10.0) as finance:

            async def found(lead: str, kind: str) -> Any:
                items = await _findings(finance, insights, lead)
                return next((f for f in items if f["detector"] == kind), None)

            unordered = await eventually(
                lambda: found(str(quote.lead_id), "order_without_subscription"),
                "the order without a subscription",
                60,
            )
            assert unordered["amount_at_risk"] == "14730.00"
            assert unordered["subject"] == f"order_id={order.order_id}"
            # the order exists: the signed contract itself is no finding
            assert await found(str(quote.lead_id), "contract_signed_without_order") is None
            uninvoiced = await eventually(
                lambda: found(str(activated.lead_id), "subscription_not_invoiced"),
                "the subscription never invoiced",
                60,
            )
            assert uninvoiced["amount_at_risk"] == "1102.50"
    finally:
        billing.start()
        await billing.wait_ready()

    today = (await _times(platform))["insights-svc"]
    # The order is settled by its contract's termination. (Billing, back, also activates its
    # subscription, but a restarted service may handle events before it adopts the platform's
    # simulated time, so that event's time cannot be relied on here.)
    await publish_message(
        bootstrap,
        ContractTerminated(
            lead_id=signed.lead_id,
            account_id=signed.account_id,
            contract_id=signed.contract_id,
            effective_date=today.date(),
            reason="ordered in error",
            terminated_at=today,
        ),
    )
    issued = invoice_issued(
        activated.account_id, "1102.50", today.date(), lead_id=activated.lead_id, issued_at=today
    )
    await publish_message(
        bootstrap, issued.model_copy(update={"subscription_id": activated.subscription_id})
    )
    async with client_as(["finance"], "fiona.finance", timeout=10.0) as finance:
        for lead, kind in (
            (str(quote.lead_id), "order_without_subscription"),
            (str(activated.lead_id), "subscription_not_invoiced"),
        ):

            async def cleared(lead: str = lead, kind: str = kind) -> bool | None:
                items = await _findings(finance, insights, lead)
                return not any(f["detector"] == kind for f in items) or None

            await eventually(cleared, f"{kind} to clear", 120)
