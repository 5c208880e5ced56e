"""cpq-svc on the real broker and database: discount approvals before acceptance, refused
configurations and transitions with their reasons, revisions, and expiry on the simulated clock."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest

from l2c_documents import pdf_text_lines
from l2c_platform.journey import DEMO_LEAD, eventually
from l2c_platform.kafka_io import Record, wait_for_records
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.tokens import LazyBearer, operator_client
from l2c_runtime.clock_follower import advance_platform_clock
from l2c_schemas.topics import CPQ_EVENTS

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

SEATS_AND_ONBOARDING = [
    {"product_code": "PLAT-SEAT", "quantity": "25"},
    {"product_code": "ONBOARD", "quantity": "1"},
]


# The demo lead is routed to the default team, `inbound`; maria manages it.
MARIA = LazyBearer(["sales_manager"], "maria", ["inbound"])
FRANK = LazyBearer(["finance"], "frank")


class Cpq:
    """A salesperson's and an approver's view of cpq-svc, on an opportunity of its own."""

    def __init__(self, platform: Platform, client: httpx.AsyncClient) -> None:
        self.url = platform.config.base_url
        self.client = client
        self.opportunity_id = ""

    async def open_opportunity(self) -> None:
        lead = await self.client.post(
            self.url("lead-svc") + "/leads",
            json={**DEMO_LEAD, "email": f"cpq+{uuid4().hex[:8]}@engines.example"},
        )
        assert lead.status_code == 201, lead.text
        lead_id = lead.json()["lead_id"]

        async def opportunity() -> Any:
            found = await self.client.get(
                self.url("deal-svc") + "/opportunities", params={"lead_id": lead_id}
            )
            return found.json()[0] if found.status_code == 200 and found.json() else None

        self.opportunity_id = (await eventually(opportunity, "the opportunity"))["opportunity_id"]

    async def quote(self, lines: list[dict[str, Any]], **terms: Any) -> httpx.Response:
        body = {"opportunity_id": self.opportunity_id, "currency": "EUR", "lines": lines, **terms}

        async def created() -> httpx.Response | None:
            response = await self.client.post(self.url("cpq-svc") + "/quotes", json=body)
            return None if response.status_code == 404 else response

        return await eventually(created, "cpq-svc to know the opportunity")

    async def post(
        self, path: str, body: Any = None, by: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """POST as the operator, or `by` (the headers of another caller's token)."""
        return await self.client.post(self.url("cpq-svc") + path, json=body, headers=by)

    async def get(self, path: str) -> httpx.Response:
        return await self.client.get(self.url("cpq-svc") + path)


@pytest.fixture
async def cpq(platform: Platform) -> Any:
    async with operator_client(timeout=10.0) as client:
        sales = Cpq(platform, client)
        await sales.open_opportunity()
        yield sales


def _events(quote_id: str) -> Any:
    def about(record: Record) -> bool:
        return bool(record.json().get("quote_id") == quote_id)

    return about


def _types(records: list[Record]) -> list[str]:
    return [r.headers["ce_type"].split(".")[2] for r in sorted(records, key=lambda r: r.offset)]


async def test_a_discount_beyond_policy_is_approved_in_order_before_it_can_be_accepted(
    cpq: Cpq, platform: Platform, infra: Infrastructure
) -> None:
    lines = [{"product_code": "PLAT-SEAT", "quantity": "25", "discount_percent": "35"}]
    created = await cpq.quote(lines)
    assert created.status_code == 201, created.text
    quote = created.json()
    quote_id = quote["quote_id"]
    assert quote["status"] == "pending_approval"
    assert [(a["step_no"], a["role"]) for a in quote["approvals"]] == [
        (1, "sales_manager"),
        (2, "finance"),
    ]
    # 25 × 49.00 = 1225.00 less 35 % (428.75) = 796.25
    assert quote["totals"]["net_total"]["amount"] == "796.25"

    for action in ("accept", "send"):
        refused = await cpq.post(f"/quotes/{quote_id}/{action}")
        assert refused.status_code == 409
        assert "approval" in refused.json()["detail"]
    out_of_order = await cpq.post(f"/quotes/{quote_id}/approvals/2/approve", by=FRANK)
    assert out_of_order.status_code == 409
    assert "step 1 (sales_manager) must be approved before step 2" in out_of_order.json()["detail"]

    first = await cpq.post(
        f"/quotes/{quote_id}/approvals/1/approve", {"comment": "strategic"}, by=MARIA
    )
    assert first.json()["status"] == "pending_approval"
    second = await cpq.post(f"/quotes/{quote_id}/approvals/2/approve", by=FRANK)
    assert second.json()["status"] == "approved"
    assert (await cpq.post(f"/quotes/{quote_id}/send")).json()["status"] == "sent"
    accepted = await cpq.post(f"/quotes/{quote_id}/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"

    audit = (await cpq.get(f"/quotes/{quote_id}/approvals/audit")).json()
    assert [(a["step_no"], a["decision"], a["actor"]) for a in audit] == [
        (1, "requested", "approval policy"),
        (1, "approved", "maria"),
        (2, "requested", "approval policy"),
        (2, "approved", "frank"),
    ]
    records = await wait_for_records(infra.kafka_bootstrap, CPQ_EVENTS, _events(quote_id), count=6)
    assert _types(records) == [
        "QuoteCreated",
        "QuoteApprovalRequested",
        "QuoteApprovalRequested",
        "QuoteApproved",
        "QuoteSent",
        "QuoteAccepted",
    ]

    async def contract() -> Any:
        found = await cpq.client.get(
            platform.config.base_url("contract-svc") + "/contracts", params={"quote_id": quote_id}
        )
        return found.json()[0] if found.status_code == 200 and found.json() else None

    drafted = await eventually(contract, "the contract of the approved quote")
    assert drafted["quote_id"] == quote_id


async def test_a_rejected_approval_rejects_the_quote_and_a_revision_starts_again(
    cpq: Cpq, infra: Infrastructure
) -> None:
    lines = [{"product_code": "PLAT-SEAT", "quantity": "25", "discount_percent": "20"}]
    quote_id = (await cpq.quote(lines)).json()["quote_id"]
    rejected = await cpq.post(
        f"/quotes/{quote_id}/approvals/1/reject", {"comment": "too deep"}, by=MARIA
    )
    assert rejected.json()["status"] == "rejected"
    assert (await cpq.post(f"/quotes/{quote_id}/accept")).status_code == 409

    revised = await cpq.post(
        f"/quotes/{quote_id}/revise",
        {"currency": "EUR", "lines": [{**lines[0], "discount_percent": "12"}]},
    )
    assert revised.status_code == 201, revised.text
    revision = revised.json()
    assert (revision["version"], revision["status"], revision["revision_of"]) == (
        2,
        "draft",
        quote_id,
    )
    old = (await cpq.get(f"/quotes/{quote_id}")).json()
    assert old["status"] == "superseded"
    accepted = await cpq.post(f"/quotes/{revision['quote_id']}/accept")
    assert accepted.json()["status"] == "accepted"
    superseded = await cpq.post(f"/quotes/{quote_id}/revise")
    assert superseded.status_code == 409
    assert "latest version" in superseded.json()["detail"]
    records = await wait_for_records(
        infra.kafka_bootstrap, CPQ_EVENTS, _events(revision["quote_id"]), count=2
    )
    assert _types(records) == ["QuoteRevised", "QuoteAccepted"]


@pytest.mark.parametrize(
    ("lines", "rule"),
    [
        ([{"product_code": "ANALYTICS", "quantity": "1"}], "analytics-needs-seats"),
        (
            [
                {"product_code": "PLAT-SEAT", "quantity": "5"},
                {"product_code": "SUPPORT-PREM", "quantity": "1"},
                {"product_code": "SUPPORT-STD", "quantity": "1"},
            ],
            "one-support-level",
        ),
        ([{"product_code": "PLAT-SEAT", "quantity": "10001"}], "seats-1-to-10000"),
        (
            [
                {"product_code": "STARTER-BUNDLE", "quantity": "1"},
                {"product_code": "ONBOARD", "quantity": "1"},
            ],
            "onboarding-once",
        ),
    ],
)
async def test_an_invalid_configuration_is_refused_naming_the_rule(
    cpq: Cpq, lines: list[dict[str, Any]], rule: str
) -> None:
    refused = await cpq.quote(lines)
    assert refused.status_code == 422
    assert f"configuration rule {rule!r} failed" in refused.json()["detail"]
    versions = await cpq.client.get(
        cpq.url("cpq-svc") + "/quotes", params={"opportunity_id": cpq.opportunity_id}
    )
    assert versions.json() == []


async def test_illegal_transitions_are_refused_with_the_reason(cpq: Cpq) -> None:
    quote_id = (await cpq.quote(SEATS_AND_ONBOARDING)).json()["quote_id"]
    not_pending = await cpq.post(f"/quotes/{quote_id}/approvals/1/approve", by=MARIA)
    assert not_pending.status_code == 409
    assert "not waiting for approval" in not_pending.json()["detail"]
    assert (await cpq.post(f"/quotes/{quote_id}/accept")).status_code == 200
    for path, reason in [
        ("accept", "already accepted"),
        ("send", "already accepted"),
        ("reject", "already accepted"),
        ("revise", "amend the contract"),
    ]:
        refused = await cpq.post(f"/quotes/{quote_id}/{path}")
        assert refused.status_code == 409, path
        assert reason in refused.json()["detail"]


async def test_the_quote_document_shows_lines_discounts_and_totals(cpq: Cpq) -> None:
    lines = [{"product_code": "PLAT-SEAT", "quantity": "25", "discount_percent": "10"}]
    quote_id = (await cpq.quote([*lines, SEATS_AND_ONBOARDING[1]])).json()["quote_id"]
    pdf = await cpq.get(f"/quotes/{quote_id}/document.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-1.4")
    shown = "\n".join(pdf_text_lines(pdf.content))  # the text, as a PDF reader extracts it
    for text in (
        "1. Platform seat: 25 x 49.00 EUR = 1225.00 EUR per month",
        "less line discount 10 %: -122.50 EUR",
        "Net total: 2602.50 EUR",
        "Payment terms: net 30 days",
    ):
        assert text in shown
    html = (await cpq.get(f"/quotes/{quote_id}/document.html")).text
    assert "Net total: 2602.50 EUR" in html


async def test_an_open_quote_expires_when_the_simulated_clock_passes_its_validity(
    cpq: Cpq, infra: Infrastructure
) -> None:
    quote = (await cpq.quote(SEATS_AND_ONBOARDING)).json()
    quote_id = quote["quote_id"]
    sent = await cpq.post(f"/quotes/{quote_id}/send")
    assert sent.json()["status"] == "sent"
    now = datetime.fromisoformat((await cpq.get("/clock")).json()["now"])
    valid_until = date.fromisoformat(quote["valid_until"])
    await advance_platform_clock(infra.kafka_bootstrap, valid_until - now.date() + timedelta(1))

    async def expired() -> Any:
        found = (await cpq.get(f"/quotes/{quote_id}")).json()
        return found if found["status"] == "expired" else None

    await eventually(expired, "the quote to expire", timeout=30)
    refused = await cpq.post(f"/quotes/{quote_id}/accept")
    assert refused.status_code == 409
    assert "already expired" in refused.json()["detail"]
    records = await wait_for_records(infra.kafka_bootstrap, CPQ_EVENTS, _events(quote_id), count=3)
    assert _types(records) == ["QuoteCreated", "QuoteSent", "QuoteExpired"]
    assert records[-1].json()["valid_until"] == quote["valid_until"]
