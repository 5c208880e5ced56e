"""deal-svc on the real broker and database: a RenewalDue from contract-svc opens one renewal
deal per contract term, in the journey's trace; duplicates change nothing; a renewal closes
won when the contract is renewed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from l2c_platform.journey import eventually
from l2c_platform.kafka_io import publish, publish_message, wait_for_records
from l2c_platform.launcher import Platform
from l2c_platform.tokens import operator_client
from l2c_schemas import LeadQualified, Money
from l2c_schemas.contract import ContractRenewed, ContractTerminated, RenewalDue
from l2c_schemas.deal import DealClosed, OpportunityOpened
from l2c_schemas.envelope import encode
from l2c_schemas.topics import DEAL_EVENTS

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

TRACE_ID = uuid4().hex
TRACEPARENT = f"00-{TRACE_ID}-{uuid4().hex[:16]}-01"


async def qualified_deal(platform: Platform, company: str, **context: Any) -> dict[str, Any]:
    """Publish a LeadQualified as lead-svc would, and wait for deal-svc's opportunity."""
    lead_id = context.pop("lead_id", None) or uuid4()
    await publish_message(
        platform.config.kafka_bootstrap,
        LeadQualified(
            lead_id=lead_id,
            company=company,
            contact_name="Ada Lovelace",
            contact_email="ada@engines.example",
            qualified_at=datetime.now(UTC),
            **({"source": "test", "score": 80} | context),
        ),
    )
    base = platform.config.base_url("deal-svc")
    async with operator_client(base_url=base) as client:

        async def opened() -> dict[str, Any] | None:
            found = (await client.get("/opportunities", params={"lead_id": str(lead_id)})).json()
            return found[0] if found else None

        # Generous: at a session's start deal-svc may still be catching up on its topics.
        deal: dict[str, Any] = await eventually(opened, "deal-svc to open the opportunity", 180)
    return deal


async def test_a_qualified_lead_opens_a_deal_owned_by_its_rep_with_its_context(
    platform: Platform,
) -> None:
    deal = await qualified_deal(
        platform,
        "Difference Engines Ltd",
        source="webinar",
        campaign="q4-launch",
        team="emea-enterprise",
        owner_id="rep-grace",
    )
    assert (deal["owner"], deal["lead_team"]) == ("rep-grace", "emea-enterprise")
    assert (deal["lead_source"], deal["lead_campaign"], deal["lead_score"]) == (
        "webinar",
        "q4-launch",
        80,
    )
    assert (deal["kind"], deal["stage"], deal["status"]) == (
        "new_business",
        "qualification",
        "open",
    )


async def test_a_lead_recycled_after_a_lost_deal_opens_a_new_deal_when_it_qualifies_again(
    platform: Platform,
) -> None:
    base = platform.config.base_url("deal-svc")
    lost = await qualified_deal(platform, "Jacquard Looms Ltd")
    async with operator_client(base_url=base) as client:
        closed = await client.post(
            f"/opportunities/{lost['opportunity_id']}/close-lost", json={"reason": "no_budget"}
        )
        assert closed.status_code == 200, closed.text
        stale = LeadQualified(  # qualified before the deal was lost: changes nothing
            lead_id=lost["lead_id"],
            company="Jacquard Looms Ltd",
            contact_name="Ada Lovelace",
            contact_email="ada@looms.example",
            source="test",
            score=80,
            qualified_at=datetime.fromisoformat(lost["opened_at"]),
        )
        await publish_message(platform.config.kafka_bootstrap, stale)
        # (the platform's clock is simulated: "later" is later than the deal's closing)
        later = datetime.fromisoformat(closed.json()["closed_at"]) + timedelta(minutes=5)
        again = stale.model_copy(update={"qualified_at": later, "score": 90})
        await publish_message(platform.config.kafka_bootstrap, again)

        async def both() -> list[dict[str, Any]] | None:
            params = {"lead_id": lost["lead_id"]}
            found: list[dict[str, Any]] = (await client.get("/opportunities", params=params)).json()
            return found if len(found) == 2 else None

        deals = await eventually(both, "the new deal of the recycled lead", 60)
        account = (await client.get(f"/accounts/{lost['account_id']}")).json()
    fresh = next(d for d in deals if d["opportunity_id"] != lost["opportunity_id"])
    assert (fresh["status"], fresh["kind"], fresh["lead_score"]) == ("open", "new_business", 90)
    assert fresh["account_id"] == lost["account_id"]  # the same customer, not a new account
    assert fresh["previous_opportunity_id"] == lost["opportunity_id"]
    assert len(account["contacts"]) == 1


def renewal_due(deal: dict[str, Any], contract_id: UUID, end: date, value: str) -> RenewalDue:
    return RenewalDue(
        lead_id=deal["lead_id"],
        account_id=deal["account_id"],
        contract_id=contract_id,
        opportunity_id=deal["opportunity_id"],
        customer_name=deal["account_name"],
        end_date=end,
        auto_renew=True,
        uplift_percent=Decimal("3"),
        renewal_value=Money.of(value, "EUR"),
        due_at=datetime.now(UTC),
    )


async def renewals_of(client: httpx.AsyncClient, account_id: str, count: int) -> list[Any]:
    async def listed() -> list[Any] | None:
        found: list[Any] = (
            await client.get("/opportunities", params={"account_id": account_id, "kind": "renewal"})
        ).json()
        return found if len(found) >= count else None

    return await eventually(listed, f"{count} renewal deal(s)", 180)


async def test_renewal_due_opens_one_renewal_deal_per_term_in_the_journeys_trace(
    platform: Platform,
) -> None:
    bootstrap = platform.config.kafka_bootstrap
    deal = await qualified_deal(platform, "Renewal Engines Ltd")
    contract_id = uuid4()
    due = renewal_due(deal, contract_id, date(2031, 3, 31), "15171.90")
    record = encode(due, source="/test", event_id=uuid4())
    headers = [*record.headers, ("traceparent", TRACEPARENT.encode())]
    await publish(bootstrap, record.topic, record.value, headers, record.key)

    base = platform.config.base_url("deal-svc")
    async with operator_client(base_url=base) as client:
        (renewal,) = await renewals_of(client, deal["account_id"], 1)
        assert renewal["lead_id"] == deal["lead_id"]
        assert renewal["pipeline"] == "renewal"
        assert (renewal["stage"], renewal["probability"]) == ("renewal_due", 60)
        assert renewal["forecast_category"] == "best_case"
        assert renewal["amount"] == {"amount": "15171.90", "currency": "EUR"}
        assert renewal["expected_close_date"] == "2031-03-31"
        assert renewal["renews_contract_id"] == str(contract_id)
        assert renewal["previous_opportunity_id"] == deal["opportunity_id"]

        # The same event again (same id), and the same term announced by a new event: nothing.
        await publish(bootstrap, record.topic, record.value, headers, record.key)
        await publish_message(bootstrap, due)
        # Then the next term, on the same key: once it is there, the duplicates were handled.
        await publish_message(bootstrap, renewal_due(deal, contract_id, date(2032, 3, 31), "1"))
        renewals = await renewals_of(client, deal["account_id"], 2)
        assert sorted(r["expected_close_date"] for r in renewals) == ["2031-03-31", "2032-03-31"]

    opened = await wait_for_records(
        bootstrap,
        DEAL_EVENTS,
        lambda r: (
            r.headers.get("ce_type") == OpportunityOpened.ce_type
            and r.headers.get("ce_subject") == renewal["opportunity_id"]
        ),
    )
    assert len(opened) == 1, "one OpportunityOpened for the renewal, however often it was due"
    body = opened[0].json()
    assert (body["kind"], body["renews_contract_id"]) == ("renewal", str(contract_id))
    assert body["amount"] == {"amount": "15171.90", "currency": "EUR"}
    assert opened[0].headers["traceparent"].split("-")[1] == TRACE_ID


async def test_a_renewed_contract_wins_its_renewal_deal(platform: Platform) -> None:
    bootstrap = platform.config.kafka_bootstrap
    deal = await qualified_deal(platform, "Renewed Looms plc")
    contract_id = uuid4()
    await publish_message(bootstrap, renewal_due(deal, contract_id, date(2031, 6, 30), "1200.00"))
    base = platform.config.base_url("deal-svc")
    async with operator_client(base_url=base) as client:
        (renewal,) = await renewals_of(client, deal["account_id"], 1)
        await publish_message(
            bootstrap,
            ContractRenewed(
                lead_id=deal["lead_id"],
                account_id=deal["account_id"],
                contract_id=contract_id,
                currency="EUR",
                start_date=date(2031, 7, 1),
                end_date=date(2032, 6, 30),
                billing_period="month",
                uplift_percent=Decimal("3"),
                lines=[],
                renewed_at=datetime.now(UTC),
            ),
        )

        async def won() -> dict[str, Any] | None:
            found = (await client.get(f"/opportunities/{renewal['opportunity_id']}")).json()
            return found if found["status"] == "won" else None

        closed = await eventually(won, "the renewal to close won")
    assert (closed["stage"], closed["close_reason"]) == ("closed_won", "contract renewed")
    assert closed["contract_id"] == str(contract_id)
    (event,) = await wait_for_records(
        bootstrap,
        DEAL_EVENTS,
        lambda r: (
            r.headers.get("ce_type") == DealClosed.ce_type
            and r.headers.get("ce_subject") == renewal["opportunity_id"]
        ),
    )
    assert event.json()["amount"] == {"amount": "1200.00", "currency": "EUR"}


async def test_a_terminated_contract_loses_its_open_renewal_deal(platform: Platform) -> None:
    bootstrap = platform.config.kafka_bootstrap
    deal = await qualified_deal(platform, "Terminated Tabulators")
    contract_id = uuid4()
    await publish_message(bootstrap, renewal_due(deal, contract_id, date(2031, 9, 30), "800.00"))
    base = platform.config.base_url("deal-svc")
    async with operator_client(base_url=base) as client:
        (renewal,) = await renewals_of(client, deal["account_id"], 1)
        await publish_message(
            bootstrap,
            ContractTerminated(
                lead_id=deal["lead_id"],
                account_id=deal["account_id"],
                contract_id=contract_id,
                effective_date=date(2031, 9, 30),
                reason="customer moved to a competitor",
                terminated_at=datetime.now(UTC),
            ),
        )

        async def lost() -> dict[str, Any] | None:
            found = (await client.get(f"/opportunities/{renewal['opportunity_id']}")).json()
            return found if found["status"] == "lost" else None

        closed = await eventually(lost, "the renewal to close lost")
    assert closed["close_reason"] == "contract terminated: customer moved to a competitor"
    assert (closed["stage"], closed["forecast_category"]) == ("closed_lost", "omitted")
