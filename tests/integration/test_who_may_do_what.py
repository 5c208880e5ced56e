"""On the running platform: reps see only their own and their teams' leads, deals and
quotes (another team's are 404, as if missing), managers their teams'; approvals take the
approver from the token, refuse the quote's owner and need the step's role; what was
approved, by whom and from where is in the append-only audit trail and in QuoteApproved."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest

from l2c_platform.journey import DEMO_LEAD, eventually
from l2c_platform.kafka_io import wait_for_records
from l2c_platform.launcher import BY_NAME, Platform
from l2c_platform.tokens import bearer, operator_client
from l2c_schemas.topics import CPQ_EVENTS

pytestmark = pytest.mark.e2e


class Deal:
    """A lead routed to a team of its own, with rep `alice`, and its opportunity."""

    def __init__(self, platform: Platform) -> None:
        self.url = platform.config.base_url
        marker = uuid4().hex[:8]
        self.team, self.other_team = f"team-{marker}", f"other-{marker}"
        self.alice, self.bob = f"alice-{marker}", f"bob-{marker}"
        self.email = f"ada+{marker}@engines.example"
        self.interest = f"interest-{marker}"
        self.lead_id = self.opportunity_id = ""

    def rep(self, who: str, team: str, *roles: str) -> dict[str, str]:
        return bearer(roles or ("sales_rep",), who, [team])

    async def open(self, client: httpx.AsyncClient) -> None:
        lead_svc = self.url("lead-svc")
        rule = {"priority": 1, "team": self.team, "product_interests": [self.interest]}
        routed = await client.put(f"{lead_svc}/routing-rules/{self.team}", json=rule)
        assert routed.status_code == 200, routed.text
        await client.put(f"{lead_svc}/teams/{self.team}/reps/{self.alice}", json={})
        lead = await client.post(
            f"{lead_svc}/leads",
            json={**DEMO_LEAD, "email": self.email, "product_interest": self.interest},
        )
        assert lead.status_code == 201, lead.text
        assert (lead.json()["team"], lead.json()["owner_id"]) == (self.team, self.alice)
        self.lead_id = lead.json()["lead_id"]

        async def opportunity() -> Any:
            found = await client.get(
                self.url("deal-svc") + "/opportunities", params={"lead_id": self.lead_id}
            )
            return found.json()[0] if found.json() else None

        opened = await eventually(opportunity, "the opportunity")
        assert (opened["owner"], opened["lead_team"]) == (self.alice, self.team)
        self.opportunity_id = opened["opportunity_id"]

    async def quote(self, client: httpx.AsyncClient, as_: dict[str, str]) -> dict[str, Any]:
        body = {
            "opportunity_id": self.opportunity_id,
            "currency": "EUR",
            "lines": [{"product_code": "PLAT-SEAT", "quantity": "25", "discount_percent": "35"}],
        }

        async def created() -> Any:
            response = await client.post(self.url("cpq-svc") + "/quotes", json=body, headers=as_)
            return None if response.status_code == 404 else response

        response = await eventually(created, "cpq-svc to know the opportunity")
        assert response.status_code == 201, response.text
        return dict(response.json())


@pytest.fixture
async def deal(platform: Platform) -> Any:
    opened = Deal(platform)
    async with operator_client(timeout=10) as client:
        await opened.open(client)
        yield opened
        await client.delete(f"{opened.url('lead-svc')}/routing-rules/{opened.team}")


async def test_a_rep_sees_only_their_teams_records_and_a_manager_sees_their_teams(
    deal: Deal,
) -> None:
    alice = deal.rep(deal.alice, deal.team)
    bob = deal.rep(deal.bob, deal.other_team)
    manager = deal.rep("maria", deal.team, "sales_manager")
    other_manager = deal.rep("mike", deal.other_team, "sales_manager")
    async with httpx.AsyncClient(timeout=10) as client:
        quote = await deal.quote(client, alice)
        assert (quote["owner"], quote["team"], quote["status"]) == (
            deal.alice,
            deal.team,
            "pending_approval",
        )
        records = [
            ("lead-svc", f"/leads/{deal.lead_id}"),
            ("lead-svc", f"/leads/{deal.lead_id}/timeline"),
            ("deal-svc", f"/opportunities/{deal.opportunity_id}"),
            ("deal-svc", f"/opportunities/{deal.opportunity_id}/history"),
            ("cpq-svc", f"/quotes/{quote['quote_id']}"),
            ("cpq-svc", f"/quotes/{quote['quote_id']}/document.html"),
        ]
        for service, path in records:
            for caller in (alice, manager):
                seen = await client.get(deal.url(service) + path, headers=caller)
                assert seen.status_code == 200, (service, path, seen.text)
            for caller in (bob, other_manager):
                hidden = await client.get(deal.url(service) + path, headers=caller)
                assert hidden.status_code == 404, (service, path, hidden.text)
                # answered exactly like a record that does not exist
                real_id, made_up = path.split("/")[2], str(uuid4())
                unknown = await client.get(
                    deal.url(service) + path.replace(real_id, made_up), headers=caller
                )
                assert unknown.status_code == 404
                assert hidden.text.replace(real_id, "<id>") == unknown.text.replace(made_up, "<id>")

        # ... and cannot change them either
        moved = await client.post(
            deal.url("deal-svc") + f"/opportunities/{deal.opportunity_id}/stage",
            json={"stage": "discovery"},
            headers=bob,
        )
        assert moved.status_code == 404
        sent = await client.post(
            deal.url("cpq-svc") + f"/quotes/{quote['quote_id']}/send", headers=bob
        )
        assert sent.status_code == 404
        contacted = await client.post(
            deal.url("lead-svc") + f"/leads/{deal.lead_id}/contacted", json={}, headers=bob
        )
        assert contacted.status_code == 404

        # lists leave them out
        search = {"q": deal.email}
        for caller, expected in ((alice, 1), (manager, 1), (bob, 0), (other_manager, 0)):
            leads = await client.get(deal.url("lead-svc") + "/leads", params=search, headers=caller)
            assert len(leads.json()["items"]) == expected
            deals = await client.get(
                deal.url("deal-svc") + "/opportunities",
                params={"lead_id": deal.lead_id},
                headers=caller,
            )
            assert len(deals.json()) == expected
            quotes = await client.get(
                deal.url("cpq-svc") + "/quotes",
                params={"opportunity_id": deal.opportunity_id},
                headers=caller,
            )
            assert len(quotes.json()) == expected
        # and a rep of another team cannot quote the deal (answered as an unknown one)
        body = {"opportunity_id": deal.opportunity_id, "currency": "EUR", "lines": []}
        body["lines"] = [{"product_code": "PLAT-SEAT", "quantity": "1"}]
        foreign = await client.post(deal.url("cpq-svc") + "/quotes", json=body, headers=bob)
        assert foreign.status_code == 404


async def test_approvals_take_the_approver_from_the_token_and_land_in_the_audit_trail(
    deal: Deal, platform: Platform
) -> None:
    alice = deal.rep(deal.alice, deal.team)
    cpq = deal.url("cpq-svc")
    async with httpx.AsyncClient(timeout=10) as client:
        quote_id = (await deal.quote(client, alice))["quote_id"]
        step = f"{cpq}/quotes/{quote_id}/approvals"

        # The quote's own rep, even holding the manager's role, may not approve it.
        alice_as_manager = deal.rep(deal.alice, deal.team, "sales_rep", "sales_manager")
        own = await client.post(f"{step}/1/approve", headers=alice_as_manager)
        assert own.status_code == 403
        assert own.json()["detail"] == f"{deal.alice} may not approve their own quote"
        # Finance may not decide the manager's step; a body naming someone else changes nothing.
        fiona = bearer(["finance"], "fiona") | {"X-Request-ID": "req-fiona-1"}
        early = await client.post(f"{step}/1/approve", json={"actor": "maria"}, headers=fiona)
        assert early.status_code == 403
        assert "needs the role 'sales_manager'" in early.json()["detail"]

        maria = deal.rep("maria", deal.team, "sales_manager") | {"User-Agent": "maria-browser"}
        first = await client.post(f"{step}/1/approve", json={"comment": "strategic"}, headers=maria)
        assert first.status_code == 200, first.text
        second = await client.post(f"{step}/2/approve", json={"actor": "nobody"}, headers=fiona)
        assert second.json()["status"] == "approved"
        assert [(a["step_no"], a["actor"]) for a in second.json()["approvals"]] == [
            (1, "maria"),
            (2, "fiona"),
        ]

        approved = await wait_for_records(
            platform.config.kafka_bootstrap,
            CPQ_EVENTS,
            lambda r: (
                r.headers.get("ce_type") == "l2c.cpq.QuoteApproved.v1"
                and r.json().get("quote_id") == quote_id
            ),
        )
        event = approved[0].json()
        assert event["actor"] == "fiona"
        assert [a["actor"] for a in event["approvals"]] == ["maria", "fiona"]

        auditor = bearer(["auditor"], "audrey")
        trail = await client.get(f"{cpq}/audit", params={"entity_id": quote_id}, headers=auditor)
        assert trail.status_code == 200, trail.text
        entries = trail.json()["items"]
        assert [(e["action"], e["actor"], e["role"]) for e in entries] == [
            ("quote.approval.approve", "fiona", "finance"),
            ("quote.approval.approve", "maria", "sales_manager"),
        ]
        assert entries[0]["request_id"] == "req-fiona-1"
        assert entries[0]["client_ip"] == "127.0.0.1"
        assert entries[1]["user_agent"] == "maria-browser"
        assert entries[1]["details"] == {"step_no": 1, "comment": "strategic"}

        by_actor = await client.get(
            f"{cpq}/audit", params={"actor": "fiona", "limit": 1}, headers=auditor
        )
        assert by_actor.json()["items"][0]["entity_id"] == quote_id
        refused = await client.get(f"{cpq}/audit", headers=fiona)
        assert refused.status_code == 403
        assert refused.json()["scope"] == "audit:read"


async def test_the_audit_trail_pages_by_cursor_and_filters_by_time(deal: Deal) -> None:
    admin = bearer(["platform_admin"], "pat")
    async with httpx.AsyncClient(timeout=10) as client:
        lead_svc = deal.url("lead-svc")
        everything = await client.get(f"{lead_svc}/audit", params={"limit": 500}, headers=admin)
        assert everything.status_code == 200
        newest = everything.json()["items"]
        assert len(newest) >= 2  # at least this test's routing rule and rep
        first = await client.get(f"{lead_svc}/audit", params={"limit": 1}, headers=admin)
        page = first.json()
        assert page["items"][0]["id"] == newest[0]["id"]
        second = await client.get(
            f"{lead_svc}/audit", params={"limit": 1, "cursor": page["next_cursor"]}, headers=admin
        )
        assert second.json()["items"][0]["id"] == newest[1]["id"]
        after_all = await client.get(
            f"{lead_svc}/audit", params={"from": "2999-01-01T00:00:00Z"}, headers=admin
        )
        assert after_all.json() == {"items": [], "next_cursor": None}
        mine = [e for e in newest if e["entity_id"] == deal.team]
        assert mine[0]["action"] == "routing_rule.put"
        assert mine[0]["details"]["team"] == deal.team


async def test_audit_rows_cannot_be_updated_deleted_or_truncated(
    deal: Deal, platform: Platform
) -> None:
    database = platform.config.database_prefix + BY_NAME["lead-svc"].database
    connection = await asyncpg.connect(f"{platform.config.pg_url}/{database}")
    try:
        count = await connection.fetchval("SELECT count(*) FROM audit_log")
        assert count > 0
        for statement in (
            "UPDATE audit_log SET actor = 'someone-else'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await connection.execute(statement)
        assert await connection.fetchval("SELECT count(*) FROM audit_log") == count
        changed = "SELECT count(*) FROM audit_log WHERE actor = 'someone-else'"
        assert await connection.fetchval(changed) == 0
    finally:
        await connection.close()
