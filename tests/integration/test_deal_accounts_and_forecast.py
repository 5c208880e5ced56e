"""deal-svc on the real broker and database: accounts with contacts, expansions opened by
API, stage gates, close-lost with competitor, erasure of a lead's contacts, filtered pages of
deals and the forecast over deals this test creates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest

from l2c_platform.journey import eventually
from l2c_platform.kafka_io import publish_message, wait_for_records
from l2c_platform.launcher import Platform
from l2c_platform.tokens import operator_client
from l2c_schemas.deal import DealClosed
from l2c_schemas.lead import LeadErased
from l2c_schemas.topics import DEAL_EVENTS

from .test_deal_renewals import qualified_deal

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


async def ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, f"{response.status_code} {response.text}"
    return response.json()


async def test_an_account_shows_its_contacts_and_deals_and_takes_an_expansion(
    platform: Platform,
) -> None:
    deal = await qualified_deal(platform, "Contact Engines Ltd")
    account_id = deal["account_id"]
    async with operator_client(base_url=platform.config.base_url("deal-svc")) as c:
        account = await ok(await c.get(f"/accounts/{account_id}"))
        assert [(p["full_name"], p["email"], p["is_primary"]) for p in account["contacts"]] == [
            ("Ada Lovelace", "ada@engines.example", True)
        ]
        account = await ok(
            await c.post(
                f"/accounts/{account_id}/contacts",
                json={"full_name": "Charles Babbage", "role": "economic buyer", "is_primary": True},
            )
        )
        assert [(p["full_name"], p["is_primary"]) for p in account["contacts"]] == [
            ("Charles Babbage", True),
            ("Ada Lovelace", False),
        ]

        expansion = await ok(
            await c.post(
                "/opportunities",
                json={
                    "account_id": account_id,
                    "name": "Contact Engines — 50 more seats",
                    "kind": "expansion",
                    "amount": eur("2450.00"),
                    "expected_close_date": "2031-05-15",
                    "owner": "grace",
                },
            )
        )
        assert (expansion["kind"], expansion["stage"], expansion["lead_id"]) == (
            "expansion",
            "qualification",
            deal["lead_id"],
        )
        account = await ok(await c.get(f"/accounts/{account_id}"))
        assert {o["kind"] for o in account["opportunities"]} == {"new_business", "expansion"}
        found = await c.get("/accounts", params={"name": "contact ENGINES", "limit": 500})
        assert account_id in [a["account_id"] for a in found.json()]
        (summary,) = [a for a in found.json() if a["account_id"] == account_id]
        assert summary["open_deals"] == 2
        assert int(found.headers["x-total-count"]) >= 1
        none = await ok(await c.get("/accounts", params={"name": "100%_no such"}))
        assert none == []

        refused = await c.post(
            "/opportunities",
            json={"account_id": account_id, "name": "more", "kind": "new_business"},
        )
        assert refused.status_code == 422
        missing = await c.post("/opportunities", json={"account_id": str(uuid4()), "name": "x"})
        assert missing.status_code == 404

        # The person behind the lead asks to be forgotten: the contact from that lead is scrubbed.
        await publish_message(
            platform.config.kafka_bootstrap,
            LeadErased(lead_id=deal["lead_id"], erased_at=datetime.now(UTC)),
        )

        async def scrubbed() -> Any:
            found = await ok(await c.get(f"/accounts/{account_id}"))
            erased = [p for p in found["contacts"] if p["erased_at"]]
            return erased or None

        (erased,) = await eventually(scrubbed, "the lead's contact to be scrubbed")
        assert (erased["full_name"], erased["email"]) == ("[erased]", None)
        account = await ok(await c.get(f"/accounts/{account_id}"))
        assert "Charles Babbage" in [p["full_name"] for p in account["contacts"]]


async def test_gates_history_and_close_lost_with_competitor(platform: Platform) -> None:
    deal = await qualified_deal(platform, "Gatekeepers GmbH")
    opp = deal["opportunity_id"]
    async with operator_client(base_url=platform.config.base_url("deal-svc")) as c:
        await ok(await c.post(f"/opportunities/{opp}/stage", json={"stage": "proposal"}))
        refused = await c.post(f"/opportunities/{opp}/stage", json={"stage": "negotiation"})
        assert refused.status_code == 409
        assert "requires an amount" in refused.json()["detail"]
        assert "an expected close date" in refused.json()["detail"]

        await ok(
            await c.patch(
                f"/opportunities/{opp}",
                json={"amount": eur("9000.00"), "expected_close_date": "2031-04-30"},
            )
        )
        overridden = await ok(await c.patch(f"/opportunities/{opp}", json={"probability": 35}))
        assert (overridden["stage"], overridden["probability"]) == ("proposal", 35)
        bad = await c.patch(f"/opportunities/{opp}", json={"probability": 101})
        assert bad.status_code == 422
        moved = await ok(await c.post(f"/opportunities/{opp}/stage", json={"stage": "negotiation"}))
        assert (moved["probability"], moved["forecast_category"]) == (75, "commit")

        history = await ok(await c.get(f"/opportunities/{opp}/history"))
        assert [v["stage"] for v in history["visits"]] == [
            "qualification",
            "proposal",
            "negotiation",
        ]
        assert history["visits"][0]["left_at"] == history["visits"][1]["entered_at"]

        lost = await ok(
            await c.post(
                f"/opportunities/{opp}/close-lost",
                json={"reason": "price", "competitor": "Difference Engines Inc"},
            )
        )
        assert (lost["status"], lost["close_reason"], lost["competitor"]) == (
            "lost",
            "price",
            "Difference Engines Inc",
        )
        again = await c.patch(f"/opportunities/{opp}", json={"owner": "alan"})
        assert again.status_code == 409

    (closed,) = await wait_for_records(
        platform.config.kafka_bootstrap,
        DEAL_EVENTS,
        lambda r: (
            r.headers.get("ce_type") == DealClosed.ce_type and r.headers.get("ce_subject") == opp
        ),
    )
    body = closed.json()
    assert (body["outcome"], body["reason"], body["competitor"]) == (
        "lost",
        "price",
        "Difference Engines Inc",
    )
    assert body["amount"] == eur("9000.00")


async def test_the_forecast_and_filtered_pages_over_deals_of_one_owner(platform: Platform) -> None:
    owner = f"owner-{uuid4().hex[:8]}"
    # Three deals closing in 2031-Q3 for one owner, one in Q4 (outside), one lost.
    plans = [
        ("qualification", "1000.00", "2031-07-15"),  # pipeline, 10 % → 100.00
        ("proposal", "2602.50", "2031-08-31"),  # best case, 50 % → 1301.25
        ("negotiation", "333.33", "2031-09-30"),  # commit, 75 % → 250.00 (249.9975)
        ("proposal", "700.00", "2031-10-01"),  # Q4: not in Q3
    ]
    async with operator_client(base_url=platform.config.base_url("deal-svc")) as c:
        ids = []
        for n, (stage, amount, close) in enumerate(plans):
            opp = (await qualified_deal(platform, f"Forecast Co {n}"))["opportunity_id"]
            await ok(
                await c.patch(
                    f"/opportunities/{opp}",
                    json={"amount": eur(amount), "expected_close_date": close, "owner": owner},
                )
            )
            if stage != "qualification":
                await ok(await c.post(f"/opportunities/{opp}/stage", json={"stage": stage}))
            ids.append(opp)
        lost = (await qualified_deal(platform, "Forecast Lost Co"))["opportunity_id"]
        await ok(
            await c.patch(
                f"/opportunities/{lost}",
                json={
                    "amount": eur("5000.00"),
                    "expected_close_date": "2031-08-01",
                    "owner": owner,
                },
            )
        )
        await ok(await c.post(f"/opportunities/{lost}/close-lost", json={"reason": "no budget"}))

        result = await ok(
            await c.get("/forecast", params={"period": "2031-Q3", "group_by": "owner"})
        )
        assert (result["first_day"], result["last_day"]) == ("2031-07-01", "2031-09-30")
        (mine,) = [g for g in result["groups"] if g["key"] == owner]
        (totals,) = mine["totals"]
        assert totals == {
            "currency": "EUR",
            "deals": 3,
            "pipeline": eur("1000.00"),
            "best_case": eur("2602.50"),
            "commit": eur("333.33"),
            "closed": eur("0.00"),
            "open_pipeline": eur("3935.83"),
            "weighted_pipeline": eur("1651.25"),
            "commit_forecast": eur("333.33"),
            "best_case_forecast": eur("2935.83"),
        }
        bad = await c.get("/forecast", params={"period": "Q3"})
        assert bad.status_code == 422

        page = await c.get(
            "/opportunities", params={"owner": owner, "status": "open", "limit": 2, "offset": 0}
        )
        assert page.headers["x-total-count"] == "4"
        rest = await ok(
            await c.get(
                "/opportunities", params={"owner": owner, "status": "open", "limit": 2, "offset": 2}
            )
        )
        assert {o["opportunity_id"] for o in [*page.json(), *rest]} == set(ids)
        in_q3 = await ok(
            await c.get(
                "/opportunities",
                params={"owner": owner, "closing_from": "2031-07-01", "closing_to": "2031-09-30"},
            )
        )
        assert len(in_q3) == 4  # three open and the lost one
        proposals = await ok(
            await c.get("/opportunities", params={"owner": owner, "stage": "proposal"})
        )
        assert {o["expected_close_date"] for o in proposals} == {"2031-08-31", "2031-10-01"}


async def test_a_pipeline_defined_through_the_api_runs_an_expansion(platform: Platform) -> None:
    name = f"enterprise-{uuid4().hex[:8]}"
    stages = [
        {"name": "triage", "probability": 5, "forecast_category": "pipeline"},
        {
            "name": "security_review",
            "probability": 40,
            "forecast_category": "best_case",
            "requires": ["owner"],
        },
        {"name": "won", "probability": 100, "forecast_category": "closed", "outcome": "won"},
        {"name": "lost", "probability": 0, "forecast_category": "omitted", "outcome": "lost"},
    ]
    deal = await qualified_deal(platform, "Pipeline Engines Ltd")
    async with operator_client(base_url=platform.config.base_url("deal-svc")) as c:
        unusable = await c.put(f"/pipelines/{name}", json={"stages": stages[:2] + stages[:1]})
        assert unusable.status_code == 422
        defined = await ok(await c.put(f"/pipelines/{name}", json={"stages": stages}))
        assert [s["name"] for s in defined["stages"]] == [s["name"] for s in stages]
        assert name in [p["name"] for p in await ok(await c.get("/pipelines"))]

        opp = await ok(
            await c.post(
                "/opportunities",
                json={"account_id": deal["account_id"], "name": "SSO add-on", "pipeline": name},
            )
        )
        assert (opp["pipeline"], opp["stage"], opp["probability"]) == (name, "triage", 5)
        gated = await c.post(
            f"/opportunities/{opp['opportunity_id']}/stage", json={"stage": "security_review"}
        )
        assert gated.status_code == 409
        assert gated.json()["detail"] == "entering security_review requires an owner"
        await ok(await c.patch(f"/opportunities/{opp['opportunity_id']}", json={"owner": "ada"}))
        moved = await ok(
            await c.post(
                f"/opportunities/{opp['opportunity_id']}/stage", json={"stage": "security_review"}
            )
        )
        assert (moved["probability"], moved["forecast_category"]) == (40, "best_case")

        without_review = [s for s in stages if s["name"] != "security_review"]
        stranded = await c.put(f"/pipelines/{name}", json={"stages": without_review})
        assert stranded.status_code == 409
        assert "security_review (1 deals)" in stranded.json()["detail"]

        lost = await ok(
            await c.post(
                f"/opportunities/{opp['opportunity_id']}/close-lost", json={"reason": "timing"}
            )
        )
        year = lost["closed_at"][:4]
        speed = await ok(await c.get(f"/pipelines/{name}/velocity", params={"period": year}))
        assert (speed["won"], speed["lost"], speed["win_rate_percent"]) == (0, 1, "0.0")
        assert speed["average_cycle_seconds"] is None
        assert set(speed["average_seconds_in_stage"]) == {"triage", "security_review"}
