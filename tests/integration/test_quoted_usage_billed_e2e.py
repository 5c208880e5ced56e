"""What is quoted is what is billed: one hand-computed table checked through cpq-svc and
billing-svc, with the services as processes on the real broker and database.

A rep quotes 10 platform seats and metered API calls from the standard EUR price book; the
customer accepts, signs, and pays the first invoice. In the first month the product reports
1250.5 thousand API calls; a month later the second invoice bills the second month's seats in
advance and the first month's calls in arrears, at the quote's graduated rates.

| what                          | figure                                              |
|-------------------------------|-----------------------------------------------------|
| seats (recurring, per month)  | 10 × 49.00 = 490.00                                 |
| API calls, per 1k calls       | 1–100 at 0.00, 101–1000 at 0.50, 1001 and more 0.30 |
| usage of month 1              | 400 + 500 + 350.5 = 1250.5 (thousand calls)         |
| tier 1: 100 × 0.00            | 0.00                                                |
| tier 2: 900 × 0.50            | 450.00                                              |
| tier 3: 250.5 × 0.30          | 75.15                                               |
| usage line (rounded once)     | 525.15; unit 525.15 / 1250.5 = 0.41995… → 0.4200    |
| invoice 1 (month 1)           | seats 490.00; total 490.00                          |
| invoice 2 (month 2)           | seats 490.00 + calls 525.15 = 1015.15 (no tax)      |
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from l2c_platform.journey import JourneyDriver, eventually
from l2c_platform.kafka_io import publish_message, wait_for_records
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.testing import advance_clock_to
from l2c_platform.tokens import operator_client
from l2c_pricing import PriceSpec, Tier, list_price, price
from l2c_schemas.billing import UsageRecorded
from l2c_schemas.periods import add_months
from l2c_schemas.topics import CONTRACT_EVENTS

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

D = Decimal
LINES = [
    {"product_code": "PLAT-SEAT", "quantity": "10"},
    {"product_code": "API-CALLS", "quantity": "1"},
]
QUOTED_TIERS = [("100", "0.00"), ("1000", "0.50"), (None, "0.30")]
USAGE = [("400", 1), ("500", 12), ("350.5", 25)]
"""(thousand calls, day of the first month it occurred on)."""
USAGE_TOTAL = D("1250.5")
USAGE_AMOUNT = D("525.15")
USAGE_UNIT = D("0.4200")
SEATS = D("490.00")


def test_the_table_is_what_the_pricing_library_computes() -> None:
    """The table's usage figures, by the library both services price with."""
    tiers = tuple(Tier(None if up is None else D(up), D(p)) for up, p in QUOTED_TIERS)
    spec = PriceSpec("graduated", tiers=tiers)
    assert sum((D(q) for q, _ in USAGE), D(0)) == USAGE_TOTAL
    assert list_price(spec, USAGE_TOTAL) == D("0.00") + D("450.00") + D("75.150")
    assert price(spec, USAGE_TOTAL, "EUR") == USAGE_AMOUNT


async def get(url: str, **params: str) -> Any:
    async with operator_client(timeout=10) as http:
        response = await http.get(url, params=params or None)
    assert response.status_code == 200, response.text
    return response.json()


def tiers_of(rate: dict[str, Any]) -> list[tuple[str | None, Decimal]]:
    return [(t["up_to"], D(t["unit_price"]["amount"])) for t in rate["tiers"]]


async def test_a_quoted_graduated_usage_price_is_billed_exactly_as_quoted(
    platform: Platform, infra: Infrastructure
) -> None:
    url = platform.config.base_url
    journey = await JourneyDriver(url, lines=LINES).run()

    # The quote: one recurring line, and the usage rate with its tiers (not in the totals).
    quote = await get(f"{url('cpq-svc')}/quotes/{journey.quote_id}")
    assert [(line["product_code"], D(line["net_amount"]["amount"])) for line in quote["lines"]] == [
        ("PLAT-SEAT", SEATS)
    ]
    assert D(quote["totals"]["net_total"]["amount"]) == SEATS
    [rate] = quote["usage_rates"]
    assert (rate["product_code"], rate["metric"], rate["pricing_model"]) == (
        "API-CALLS",
        "api_calls",
        "graduated",
    )
    expected_tiers = [(up, D(p)) for up, p in QUOTED_TIERS]
    assert tiers_of(rate) == expected_tiers

    # The contract and the order carry the same rate to billing.
    contract = await get(f"{url('contract-svc')}/contracts/{journey.contract_id}")
    assert [tiers_of(r) for r in contract["usage_rates"]] == [expected_tiers]
    [placed] = await wait_for_records(
        infra.kafka_bootstrap,
        CONTRACT_EVENTS,
        lambda r: (
            r.headers.get("ce_type") == "l2c.contract.OrderPlaced.v1"
            and r.json()["contract_id"] == journey.contract_id
        ),
        timeout=60,
    )
    assert [tiers_of(r) for r in placed.json()["usage_rates"]] == [expected_tiers]
    [sub] = await get(f"{url('billing-svc')}/subscriptions", lead_id=journey.lead_id)
    [prices] = sub["usage_prices"]
    assert prices["effective_from"] == sub["start_date"]
    assert [tiers_of(r) for r in prices["rates"]] == [expected_tiers]

    # Invoice 1: the first month's seats in advance, nothing for usage yet.
    first = journey.invoice
    assert [(line["product_code"], D(line["amount"])) for line in first["lines"]] == [
        ("PLAT-SEAT", SEATS)
    ]
    assert D(first["total"]) == SEATS

    # A month of usage, reported by the product on l2c.usage.v1.
    start = date.fromisoformat(sub["start_date"])
    for quantity, day in USAGE:
        await publish_message(
            infra.kafka_bootstrap,
            UsageRecorded(
                event_id=f"calls-{uuid4().hex}",
                account_id=journey.account_id,
                metric="api_calls",
                quantity=D(quantity),
                occurred_at=datetime.combine(start + timedelta(days=day - 1), time(12), UTC),
            ),
        )

    async def recorded() -> bool | None:
        [found] = await get(f"{url('billing-svc')}/subscriptions", lead_id=journey.lead_id)
        return True if found["usage_events"] == len(USAGE) else None

    await eventually(recorded, "billing-svc to record the usage", timeout=60)

    # The day after the first month's grace day: invoice 2.
    await advance_clock_to(
        url("billing-svc"), infra.kafka_bootstrap, add_months(start, 1) + timedelta(days=1)
    )

    async def second_invoice() -> dict[str, Any] | None:
        found = await get(f"{url('billing-svc')}/invoices", lead_id=journey.lead_id)
        return found[1] if len(found) > 1 else None

    second = await eventually(second_invoice, "the second invoice", timeout=90)
    lines = [
        (line["product_code"], D(line["quantity"]), D(line["unit_price"]), D(line["amount"]))
        for line in second["lines"]
    ]
    assert lines == [
        ("PLAT-SEAT", D(10), D("49.00"), SEATS),
        ("API-CALLS", USAGE_TOTAL, USAGE_UNIT, USAGE_AMOUNT),
    ]
    usage_line = second["lines"][1]
    assert (usage_line["period_start"], usage_line["period_end"]) == (
        str(start),
        str(add_months(start, 1) - timedelta(days=1)),
    )
    assert D(second["subtotal"]) == D(second["total"]) == D("1015.15")
