"""billing-svc on the real broker and database with the simulated clock: a subscription from
an OrderPlaced, an upgrade mid-period, usage, and several periods invoiced after one clock
advance, each invoice and revenue schedule exact to the cent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import uuid4

import pytest

from l2c_platform.journey import eventually
from l2c_platform.kafka_io import publish_message, read_topic
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.tokens import operator_client
from l2c_runtime.clock_follower import advance_platform_clock
from l2c_schemas import Money, OrderPlaced, PricedLine
from l2c_schemas.billing import UsageRecorded
from l2c_schemas.contract import ContractAmended
from l2c_schemas.periods import add_months

pytestmark = [pytest.mark.e2e, pytest.mark.integration]
D = Decimal


def seat_line(quantity: int) -> PricedLine:
    net = Money.of(D("10.00") * quantity, "EUR")
    return PricedLine(
        line_no=1,
        product_code="SEAT",
        description="Seat",
        charge="recurring",
        billing_period="month",
        quantity=D(quantity),
        unit_price=Money.of("10.00", "EUR"),
        list_amount=net,
        discount_percent=D(0),
        discount_amount=Money.zero("EUR"),
        net_amount=net,
    )


def onboarding() -> PricedLine:
    fee = Money.of("50.00", "EUR")
    return PricedLine(
        line_no=2,
        product_code="ONBOARD",
        description="Onboarding",
        charge="one_time",
        quantity=D(1),
        unit_price=fee,
        list_amount=fee,
        discount_percent=D(0),
        discount_amount=Money.zero("EUR"),
        net_amount=fee,
    )


def lines(invoice: dict[str, Any]) -> list[tuple[str, Decimal]]:
    return [(line["product_code"], D(line["amount"])) for line in invoice["lines"]]


async def test_a_subscription_is_billed_for_each_period_with_proration_and_usage(
    platform: Platform, infra: Infrastructure
) -> None:
    billing = platform.config.base_url("billing-svc")
    metric = f"calls-{uuid4().hex[:8]}"
    async with operator_client(base_url=billing, timeout=10) as http:
        now = datetime.fromisoformat((await http.get("/clock")).json()["now"])
        start = now.date() + timedelta(days=1)
        plan = {
            "currency": "EUR",
            "product_code": "API",
            "description": "API calls",
            "aggregation": "sum",
            "model": "tiered",
            "tiers": [{"up_to": "100", "unit_price": "0.10"}, {"unit_price": "0.08"}],
        }
        assert (await http.put(f"/usage-plans/{metric}", json=plan)).status_code == 200
        order = OrderPlaced(
            lead_id=uuid4(),
            account_id=uuid4(),
            order_id=uuid4(),
            contract_id=uuid4(),
            customer_name="Billing Year GmbH",
            currency="EUR",
            start_date=start,
            end_date=add_months(start, 12) - timedelta(days=1),
            billing_period="month",
            payment_terms_days=30,
            lines=[seat_line(10), onboarding()],
            placed_at=now,
        )
        await publish_message(infra.kafka_bootstrap, order)

        async def invoices(count: int) -> list[dict[str, Any]] | None:
            found = (await http.get("/invoices", params={"lead_id": str(order.lead_id)})).json()
            return found if len(found) >= count else None

        first = (await eventually(lambda: invoices(1), "the first invoice", timeout=60))[0]
        assert lines(first) == [("SEAT", D("100.00")), ("ONBOARD", D("50.00"))]
        assert D(first["total"]) == D("150.00")

        # Upgrade to 20 seats on day 11 of the first period, which is invoiced already.
        effective = start + timedelta(days=10)
        await publish_message(
            infra.kafka_bootstrap,
            ContractAmended(
                lead_id=order.lead_id,
                account_id=order.account_id,
                contract_id=order.contract_id,
                amendment_id=uuid4(),
                currency="EUR",
                effective_date=effective,
                lines=[seat_line(20)],
                amended_at=now,
            ),
        )
        for n, quantity in enumerate(("120", "30")):
            await publish_message(
                infra.kafka_bootstrap,
                UsageRecorded(
                    event_id=f"{metric}-{n}",
                    account_id=order.account_id,
                    metric=metric,
                    quantity=D(quantity),
                    occurred_at=datetime.combine(start, datetime.min.time(), UTC)
                    + timedelta(days=2, hours=n),
                ),
            )

        async def amended_with_usage() -> dict[str, Any] | None:
            subs = (await http.get("/subscriptions", params={"lead_id": str(order.lead_id)})).json()
            sub = subs[0] if subs else None
            if sub and sub["usage_events"] == 2 and D(sub["items"][0]["quantity"]) == 20:
                return dict(sub)
            return None

        await eventually(amended_with_usage, "the amendment and the usage", timeout=60)

        # Two more periods become due: advance to the day after the grace day of period 2.
        third_start = add_months(start, 2)
        await advance_platform_clock(
            infra.kafka_bootstrap, timedelta(days=(third_start - now.date()).days + 1)
        )
        found = await eventually(lambda: invoices(3), "two more invoices", timeout=60)

    assert len(found) == 3
    days = (add_months(start, 1) - start).days
    remaining = days - 10

    def share(amount: str) -> Decimal:
        return (D(amount) * remaining / days).quantize(D("0.01"), rounding=ROUND_HALF_UP)

    second, third = found[1], found[2]
    assert (
        date.fromisoformat(second["period_start"]),
        date.fromisoformat(third["period_start"]),
    ) == (
        add_months(start, 1),
        add_months(start, 2),
    )
    # 150 calls: 100 × 0.10 + 50 × 0.08 = 14.00; the upgrade credits 10 seats and charges 20
    # for the `remaining` days of the first period.
    assert lines(second) == [
        ("SEAT", D("200.00")),
        ("API", D("14.00")),
        ("SEAT", -share("100.00")),
        ("SEAT", share("200.00")),
    ]
    assert D(second["total"]) == D("214.00") + share("200.00") - share("100.00")
    assert lines(third) == [("SEAT", D("200.00"))]

    async with operator_client(base_url=billing, timeout=10) as http:
        for invoice in found:
            schedule = (
                await http.get("/revenue-schedules", params={"document_id": invoice["id"]})
            ).json()
            assert sum(D(row["amount"]) for row in schedule) == D(invoice["subtotal"])
        document = await http.get(f"/invoices/{third['id']}/document.html")
        assert document.status_code == 200
        assert third["invoice_number"] in document.text
        voided = await http.post(f"/invoices/{third['id']}/void", json={"reason": "test"})
        assert voided.json()["status"] == "void"
        again = await http.post(f"/invoices/{third['id']}/void", json={"reason": "test"})
        assert again.status_code == 409

        # The rest of the year: twelve invoices in all, the subscription ends, and once the
        # term's last month has closed the revenue recognised is exactly what was invoiced
        # and not voided.
        now = datetime.fromisoformat((await http.get("/clock")).json()["now"]).date()
        last_month_closed = add_months(order.end_date.replace(day=1), 1) + timedelta(days=1)
        await advance_platform_clock(
            infra.kafka_bootstrap, timedelta(days=(last_month_closed - now).days)
        )

        async def ended() -> list[dict[str, Any]] | None:
            subs = (await http.get("/subscriptions", params={"lead_id": str(order.lead_id)})).json()
            return await invoices(12) if subs[0]["status"] == "ended" else None

        year = await eventually(ended, "the subscription's year", timeout=180)
        assert len(year) == 12
        assert [date.fromisoformat(i["period_start"]) for i in year] == [
            add_months(start, k) for k in range(12)
        ]
        invoiced = sum(D(i["subtotal"]) for i in year if i["status"] != "void")

        async def recognised() -> Decimal | None:
            records = await read_topic(infra.kafka_bootstrap, "l2c.billing.events.v1")
            total = sum(
                (
                    D(r.json()["amount"]["amount"])
                    for r in records
                    if r.headers.get("ce_type") == "l2c.billing.RevenueRecognized.v1"
                    and r.json()["subscription_id"] == year[0]["subscription_id"]
                ),
                D(0),
            )
            return total if total == invoiced else None

        assert await eventually(recognised, "revenue of the whole term", timeout=180) == invoiced
