"""Free trials and the subscription's lifecycle events with the services as processes on the
real broker and database: a trial quoted (or set on the contract), signed, ordered and billed.

Both contracts are the demo's (25 seats × 49.00 less 10 % = 1102.50 a month, onboarding
1500.00 once), start the day after acceptance (day 1) and run two months, with a 14-day trial:
days 1–14 are free and day 15 is the first paid day. Billing charges the first period for its
paid days by its day-based rule: round_half_up(1102.50 × paid days / days in the period). The
first period has 28 to 31 days, depending on the month the test runs in, hence the tables
below, computed by hand for each length."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from l2c_platform.journey import demo_quote_accepted, eventually
from l2c_platform.kafka_io import Record, publish_message, wait_for_records
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.tokens import operator_client
from l2c_runtime.clock_follower import advance_platform_clock
from l2c_schemas.periods import add_months
from l2c_schemas.topics import BILLING_EVENTS

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

D = Decimal
ADA = "Ada Lovelace <ada@engines.example>"

FIRST_CHARGE = {31: "604.60", 30: "588.00", 29: "570.26", 28: "551.25"}
"""Days 15 to the period's end: 1102.50 × 17/31 = 18742.50/31 = 604.596…, × 16/30 = 588.00,
× 15/29 = 570.258…, × 14/28 = 551.25."""

UPSELL = {
    31: ("-426.77", "512.13"),
    30: ("-404.25", "485.10"),
    29: ("-380.17", "456.21"),
    28: ("-354.38", "425.25"),
}
"""30 seats from day 20 (30 × 49.00 less 10 % = 1323.00): days 20 to the period's end are
credited at 1102.50 and charged at 1323.00. 31 days: 12/31 → 426.774… and 512.129…; 30: 11/30
→ 404.25 and 485.10; 29: 10/29 → 380.172… and 456.206…; 28: 9/28 → 354.375 and 425.25."""


class Lifecycle:
    """Drives contract-svc and billing-svc of the running platform."""

    def __init__(self, platform: Platform, infra: Infrastructure) -> None:
        self.contract_url = platform.config.base_url("contract-svc")
        self.billing_url = platform.config.base_url("billing-svc")
        self.bootstrap = infra.kafka_bootstrap

    async def call(self, method: str, url: str, body: Any = None, **params: str) -> Any:
        async with operator_client(timeout=10) as http:
            response = await http.request(method, url, json=body, params=params or None)
        assert response.status_code in (200, 201), response.text
        return response.json()

    async def today(self) -> date:
        now = (await self.call("GET", f"{self.billing_url}/clock"))["now"]
        return datetime.fromisoformat(now).date()

    async def signed_contract(self, quoted_trial: int, terms: dict[str, Any]) -> dict[str, Any]:
        """A contract of the demo quote, accepted now (with `quoted_trial` days of trial on
        the quote), its terms revised by `terms`, signed."""
        now = datetime.fromisoformat((await self.call("GET", f"{self.contract_url}/clock"))["now"])
        accepted = demo_quote_accepted(now.astimezone(UTC)).model_copy(
            update={
                "term_months": 2,
                "trial_days": quoted_trial,
                "trial_requires_payment_method": True,
            }
        )
        await publish_message(self.bootstrap, accepted)

        async def drafted() -> Any:
            found = await self.call(
                "GET", f"{self.contract_url}/contracts", quote_id=str(accepted.quote_id)
            )
            return found[0] if found else None

        contract = await eventually(drafted, "the contract draft", timeout=60)
        cid = contract["contract_id"]
        await self.call("PATCH", f"{self.contract_url}/contracts/{cid}/terms", terms)
        return dict(
            await self.call("POST", f"{self.contract_url}/contracts/{cid}/sign", {"signed_by": ADA})
        )

    async def subscription(self, lead_id: str) -> dict[str, Any]:
        async def found() -> Any:
            subs = await self.call("GET", f"{self.billing_url}/subscriptions", lead_id=lead_id)
            return subs[0] if subs else None

        return dict(await eventually(found, "the subscription", timeout=60))

    async def invoices(self, lead_id: str) -> list[dict[str, Any]]:
        return list(await self.call("GET", f"{self.billing_url}/invoices", lead_id=lead_id))

    async def event(self, subscription_id: str, name: str) -> dict[str, Any]:
        ce_type = f"l2c.billing.{name}.v1"
        found: list[Record] = await wait_for_records(
            self.bootstrap,
            BILLING_EVENTS,
            lambda r: (
                r.headers.get("ce_subject") == subscription_id
                and r.headers.get("ce_type") == ce_type
            ),
            timeout=60,
        )
        assert len(found) == 1, f"{len(found)} {name} of {subscription_id}"
        return dict(found[0].json())

    async def advance_to(self, day: date) -> None:
        today = await self.today()
        if day > today:
            await advance_platform_clock(self.bootstrap, timedelta(days=(day - today).days))

            async def reached() -> bool | None:
                return True if await self.today() >= day else None

            await eventually(reached, f"billing-svc's clock at {day}", timeout=60)


def amounts(invoice: dict[str, Any]) -> list[tuple[str, Decimal]]:
    return [(line["product_code"], D(line["amount"])) for line in invoice["lines"]]


async def test_a_14_day_trial_is_free_then_charged_from_day_15_and_its_lifecycle_is_told(
    platform: Platform, infra: Infrastructure
) -> None:
    flow = Lifecycle(platform, infra)
    # A: the trial is quoted; B: the trial is set on the contract, which may end at once.
    a = await flow.signed_contract(14, {"auto_renew": False})
    b = await flow.signed_contract(0, {"trial_days": 14, "termination_notice_days": 0})
    assert (a["trial_days"], a["trial_requires_payment_method"]) == (14, True)
    assert b["trial_days"] == 14
    day_1 = date.fromisoformat(a["start_date"])
    assert date.fromisoformat(b["start_date"]) == day_1
    days = (add_months(day_1, 1) - day_1).days
    sub_a = await flow.subscription(a["lead_id"])
    sub_b = await flow.subscription(b["lead_id"])
    assert sub_a["trial_end"] == sub_b["trial_end"] == str(day_1 + timedelta(days=13))
    activated = await flow.event(sub_a["id"], "SubscriptionActivated")
    assert activated["trial_end"] == sub_a["trial_end"]

    # Day 10: B's customer cancels inside the trial; nothing is billed, ever.
    await flow.advance_to(day_1 + timedelta(days=9))
    assert await flow.invoices(a["lead_id"]) == []
    await flow.call(
        "POST",
        f"{flow.contract_url}/contracts/{b['contract_id']}/terminate",
        {"reason": "not for us", "effective_date": str(day_1 + timedelta(days=9))},
    )
    terminated = await flow.event(sub_b["id"], "SubscriptionTerminated")
    assert (terminated["last_day"], terminated["reason"]) == (
        str(day_1 + timedelta(days=9)),
        "not for us",
    )
    assert terminated["during_trial"] is True
    assert terminated["final_credit"] is None

    # Day 12: A is reminded that its trial ends, and that it needs a payment method.
    await flow.advance_to(day_1 + timedelta(days=11))
    ending = await flow.event(sub_a["id"], "TrialEnding")
    assert ending["first_charge_date"] == str(day_1 + timedelta(days=14))
    assert ending["payment_method_required"] is True
    assert await flow.invoices(a["lead_id"]) == []

    # Day 15: the first charge, on the first paid day.
    await flow.advance_to(day_1 + timedelta(days=14))

    async def first_invoice() -> list[dict[str, Any]] | None:
        return await flow.invoices(a["lead_id"]) or None

    [first] = await eventually(first_invoice, "the first invoice", timeout=60)
    assert first["issue_date"] == str(day_1 + timedelta(days=14))
    assert first["lines"][0]["period_start"] == str(day_1 + timedelta(days=14))
    assert amounts(first) == [("PLAT-SEAT", D(FIRST_CHARGE[days])), ("ONBOARD", D("1500.00"))]
    assert D(first["total"]) == D(FIRST_CHARGE[days]) + D("1500.00")
    ended_trial = await flow.event(sub_a["id"], "TrialEnded")
    assert ended_trial["trial_end"] == sub_a["trial_end"]

    # An upsell to 30 seats from day 20, through contract-svc.
    await flow.call(
        "POST",
        f"{flow.contract_url}/contracts/{a['contract_id']}/amendments",
        {
            "effective_date": str(day_1 + timedelta(days=19)),
            "reason": "upsell",
            "lines": [{"product_code": "PLAT-SEAT", "quantity": "30"}],
        },
    )
    changed = await flow.event(sub_a["id"], "SubscriptionChanged")
    assert changed["reason"] == "upsell"
    assert [(i["product_code"], i["net_amount"]["amount"]) for i in changed["old_items"]] == [
        ("PLAT-SEAT", "1102.50"),
        ("ONBOARD", "1500.00"),
    ]
    assert [(i["product_code"], i["net_amount"]["amount"]) for i in changed["new_items"]] == [
        ("PLAT-SEAT", "1323.00"),
        ("ONBOARD", "1500.00"),
    ]
    credit, charge = UPSELL[days]
    assert [p["amount"]["amount"] for p in changed["proration"]] == [credit, charge]
    assert D(changed["proration_total"]["amount"]) == D(credit) + D(charge)

    # The term of two months runs out, not renewed (contract-svc expires the contract): the
    # second month with the upsell's proration, then SubscriptionEnded.
    await flow.advance_to(add_months(day_1, 2) + timedelta(days=1))

    async def ended() -> dict[str, Any] | None:
        sub = await flow.subscription(a["lead_id"])
        return sub if sub["status"] == "ended" else None

    await eventually(ended, "the end of A's term", timeout=120)
    second = (await flow.invoices(a["lead_id"]))[1]
    assert amounts(second) == [
        ("PLAT-SEAT", D("1323.00")),
        ("PLAT-SEAT", D(credit)),
        ("PLAT-SEAT", D(charge)),
    ]
    assert len(await flow.invoices(a["lead_id"])) == 2
    term_over = await flow.event(sub_a["id"], "SubscriptionEnded")
    assert term_over["end_date"] == a["end_date"]
    assert term_over["reason"] == "expired: the term ended without renewal"
    assert await flow.invoices(b["lead_id"]) == []
