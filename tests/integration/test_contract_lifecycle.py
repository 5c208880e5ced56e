"""contract-svc on the real broker and database: a contract drafted from an accepted quote,
signed by e-signature, its order provisioned (after a failure and a retry), activated on its
start date; non-standard terms approved by legal then finance; an amendment; a renewal with
uplift and an automatic renewal via the simulated clock; termination with notice; illegal
transitions refused with reasons."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest

from contract_svc.api.webhook_auth import signed_headers
from l2c_platform.journey import demo_quote_accepted, eventually
from l2c_platform.kafka_io import Record, publish_message, wait_for_records
from l2c_platform.launcher import Infrastructure, Platform
from l2c_platform.tokens import LazyBearer, operator_client
from l2c_runtime.clock_follower import advance_platform_clock
from l2c_schemas.contract import ProvisioningReported
from l2c_schemas.topics import CONTRACT_EVENTS

pytestmark = [pytest.mark.e2e, pytest.mark.integration]

ADA = "Ada Lovelace <ada@engines.example>"
LENA = LazyBearer(["legal"], "lena@l2c.example")
FIN = LazyBearer(["finance"], "fin@l2c.example")


class Contracts:
    """Drives contract-svc of the running platform over HTTP and Kafka."""

    def __init__(self, platform: Platform, infra: Infrastructure) -> None:
        self.url = platform.config.base_url("contract-svc")
        self.bootstrap = infra.kafka_bootstrap

    async def today(self) -> date:
        async with operator_client() as client:
            now = (await client.get(f"{self.url}/clock")).json()["now"]
        return datetime.fromisoformat(now).date()

    async def draft(self, payment_terms_days: int = 30) -> dict[str, Any]:
        """Publish a QuoteAccepted (fresh ids, accepted now on the platform's clock) and
        wait for its contract."""
        async with operator_client() as client:
            now = datetime.fromisoformat((await client.get(f"{self.url}/clock")).json()["now"])
        accepted = demo_quote_accepted(now.astimezone(UTC), payment_terms_days)
        quote_id = accepted.quote_id
        await publish_message(self.bootstrap, accepted)

        async def drafted() -> dict[str, Any] | None:
            async with operator_client() as client:
                found = (
                    await client.get(f"{self.url}/contracts", params={"quote_id": str(quote_id)})
                ).json()
            return found[0] if found else None

        return await eventually(drafted, "the contract draft", timeout=30)

    async def get(self, path: str) -> Any:
        async with operator_client() as client:
            response = await client.get(f"{self.url}{path}")
        assert response.status_code == 200, response.text
        return response.json()

    async def post(
        self, path: str, body: Any = None, expect: int = 200, by: Mapping[str, str] | None = None
    ) -> Any:
        """POST as the operator, or `by` (the headers of another caller's token)."""
        async with operator_client() as client:
            response = await client.post(f"{self.url}{path}", json=body, headers=by)
        assert response.status_code == expect, response.text
        return response.json()

    async def webhook(
        self,
        envelope: dict[str, Any],
        expect: int = 200,
        secret: str | None = None,
        at: float | None = None,
    ) -> Any:
        """What the e-signature provider sends: the envelope, signed with the shared secret
        (the platform's unless another is given) at `at` (default now)."""
        body = json.dumps(envelope).encode()
        headers = signed_headers(secret or os.environ["CONTRACT_ESIGNATURE_SECRET"], body, at)
        headers["content-type"] = "application/json"
        async with httpx.AsyncClient() as client:
            response = await client.post(
                f"{self.url}/webhooks/esignature", content=body, headers=headers
            )
        assert response.status_code == expect, response.text
        return response.json()

    async def signed(self, contract_id: str) -> dict[str, Any]:
        return await self.post(f"/contracts/{contract_id}/sign", {"signed_by": ADA})

    async def status_becomes(self, contract_id: str, status: str) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            contract = await self.get(f"/contracts/{contract_id}")
            return contract if contract["status"] == status else None

        return await eventually(probe, f"contract {contract_id} {status}", timeout=60)

    async def events(self, subject: str, name: str, count: int = 1) -> list[Record]:
        ce_type = f"l2c.contract.{name}.v1"
        found = await wait_for_records(
            self.bootstrap,
            CONTRACT_EVENTS,
            lambda r: r.headers.get("ce_subject") == subject and r.headers["ce_type"] == ce_type,
            count=count,
            timeout=60,
        )
        assert len(found) >= count, f"no {name} for {subject}"
        return found

    async def advance_to(self, day: date) -> None:
        """Move the platform's simulated clock so contract-svc's today is `day`."""
        today = await self.today()
        if day > today:
            await advance_platform_clock(self.bootstrap, timedelta(days=(day - today).days))
            await eventually(
                lambda: self._reached(day), f"contract-svc's clock at {day}", timeout=30
            )

    async def _reached(self, day: date) -> bool | None:
        return True if await self.today() >= day else None


@pytest.fixture
def contracts(platform: Platform, infra: Infrastructure) -> Contracts:
    return Contracts(platform, infra)


async def test_contract_from_accepted_quote_to_signature_order_provisioning_and_activation(
    contracts: Contracts, infra: Infrastructure
) -> None:
    draft = await contracts.draft()
    cid = draft["contract_id"]
    assert draft["status"] == "drafted"
    assert (draft["billing_timing"], draft["payment_terms_days"]) == ("in_advance", 30)
    assert (draft["auto_renew"], Decimal(draft["uplift_percent"])) == (True, Decimal(3))
    assert draft["renewal_notice_days"] == 60
    assert draft["approval_status"] == "not_required"
    assert {"PAYMENT", "RENEWAL", "TERMINATION"} <= {c["template_code"] for c in draft["clauses"]}
    # 12 × 1102.50 + 1500.00
    assert Decimal(draft["total_contract_value"]["amount"]) == Decimal("14730.00")

    envelope = {
        "envelope_id": f"env-{uuid4()}",
        "contract_id": cid,
        "party": "customer",
        "signer": ADA,
        "signed_at": datetime.now(UTC).isoformat(),
        "ip_address": "203.0.113.7",
        "document_hash": "0" * 64,
    }
    refused = await contracts.webhook(envelope, expect=409)
    assert "does not match the contract's current version" in refused["detail"]
    envelope["document_hash"] = draft["document_hash"]
    stale = await contracts.webhook(envelope, expect=401, at=time.time() - 6 * 60)
    assert stale["detail"] == "webhook timestamp is more than 5 minutes away from now"
    forged = await contracts.webhook(envelope, expect=401, secret="guessed")
    assert forged["detail"] == "webhook signature wrong"
    assert (await contracts.get(f"/contracts/{cid}"))["status"] == draft["status"]  # unsigned
    first = await contracts.webhook(envelope)
    again = await contracts.webhook(envelope)
    assert (first["recorded"], first["contract_status"]) == (True, "signed")
    assert (again["recorded"], again["contract_status"]) == (False, "signed")

    contract = await contracts.get(f"/contracts/{cid}")
    customer, company = contract["signatures"]
    assert (customer["party"], customer["ip_address"]) == ("customer", "203.0.113.7")
    assert customer["envelope_id"] == envelope["envelope_id"]
    assert (company["party"], company["channel"]) == ("company", "automatic")
    order_id = contract["order_id"]
    (signed,) = await contracts.events(cid, "ContractSigned")
    assert signed.json()["signed_by"] == ADA
    (placed,) = await contracts.events(order_id, "OrderPlaced")
    assert placed.json()["billing_timing"] == "in_advance"
    assert placed.json()["payment_terms_days"] == 30

    failed_report = ProvisioningReported(
        order_id=UUID(order_id),
        status="failed",
        detail="tenant quota",
        reported_at=datetime.now(UTC),
    )
    await publish_message(infra.kafka_bootstrap, failed_report)

    async def order_in(status: str) -> dict[str, Any] | None:
        order = await contracts.get(f"/orders/{order_id}")
        return order if order["status"] == status else None

    failed = await eventually(lambda: order_in("provisioning_failed"), "the failure", 30)
    assert (failed["last_failure"], failed["attempt"]) == ("tenant quota", 1)
    retried = await contracts.post(f"/orders/{order_id}/retry-provisioning")
    assert (retried["status"], retried["attempt"]) == ("placed", 2)
    await contracts.events(order_id, "OrderProvisioningRequested")
    await contracts.post(f"/orders/{order_id}/retry-provisioning", expect=409)
    success = ProvisioningReported(
        order_id=UUID(order_id), status="succeeded", reported_at=datetime.now(UTC)
    )
    await publish_message(infra.kafka_bootstrap, success)
    await eventually(lambda: order_in("provisioned"), "the order provisioned", 30)
    await contracts.events(order_id, "OrderProvisioned")

    assert contract["status"] == "signed"
    await contracts.advance_to(date.fromisoformat(contract["start_date"]))
    active = await contracts.status_becomes(cid, "active")
    assert active["activated_at"] is not None
    (activated,) = await contracts.events(cid, "ContractActivated")
    assert activated.json()["start_date"] == contract["start_date"]


async def test_non_standard_terms_need_legal_then_finance_and_block_signature_meanwhile(
    contracts: Contracts,
) -> None:
    draft = await contracts.draft(payment_terms_days=60)
    cid = draft["contract_id"]
    assert draft["approval_status"] == "pending"
    await contracts.post(
        f"/contracts/{cid}/clauses",
        {"title": "Most favoured customer", "body": "Our price never exceeds any other."},
        expect=201,
    )
    async with operator_client() as client:
        response = await client.patch(
            f"{contracts.url}/contracts/{cid}/terms", json={"automatic_countersignature": False}
        )
    assert response.status_code == 200, response.text

    refused = await contracts.post(f"/contracts/{cid}/sign", {"signed_by": ADA}, expect=409)
    assert refused["detail"] == "the contract's non-standard terms are awaiting approval"
    early = await contracts.post(f"/contracts/{cid}/approvals/2/approve", expect=409, by=FIN)
    assert "step 1 (legal) decides first" in early["detail"]
    own = await contracts.post(f"/contracts/{cid}/approvals/1/approve", expect=403)
    assert own["detail"] == "l2c-operator may not approve their own contract terms"
    wrong_role = await contracts.post(f"/contracts/{cid}/approvals/1/approve", expect=403, by=FIN)
    assert "needs the role 'legal'" in wrong_role["detail"]
    await contracts.post(
        f"/contracts/{cid}/approvals/1/approve", {"comment": "acceptable wording"}, by=LENA
    )
    approved = await contracts.post(f"/contracts/{cid}/approvals/2/approve", by=FIN)
    assert approved["approval_status"] == "approved"
    trail = await contracts.get(f"/contracts/{cid}/approvals")
    current = [a for a in trail if a["status"] != "superseded"]
    assert [(a["role"], a["status"], a["decided_by"]) for a in current] == [
        ("legal", "approved", "lena@l2c.example"),
        ("finance", "approved", "fin@l2c.example"),
    ]
    assert current[0]["comment"] == "acceptable wording"
    assert "net 60 exceed the standard net 45" in current[1]["reason"]
    await contracts.events(cid, "ContractApproved")

    await contracts.post(f"/contracts/{cid}/countersign", {"signed_by": ADA}, expect=409)
    waiting = await contracts.signed(cid)
    assert (waiting["status"], waiting["order_id"]) == ("awaiting_countersignature", None)
    done = await contracts.post(
        f"/contracts/{cid}/countersign", {"signed_by": "Grace Hopper <grace@l2c.example>"}
    )
    assert done["status"] == "signed" and done["order_id"] is not None
    assert done["countersigned_by"] == "Grace Hopper <grace@l2c.example>"
    await contracts.events(cid, "ContractSigned")


async def test_illegal_transitions_are_refused_with_reasons(contracts: Contracts) -> None:
    cid = (await contracts.draft())["contract_id"]
    amend = {
        "effective_date": str(await contracts.today()),
        "lines": [{"product_code": "PLAT-SEAT", "quantity": "30"}],
    }
    refused = await contracts.post(f"/contracts/{cid}/amendments", amend, expect=409)
    assert refused["detail"] == "cannot amend a contract that is drafted"
    refused = await contracts.post(f"/contracts/{cid}/renew", expect=409)
    assert refused["detail"] == "cannot renew a contract that is drafted"
    await contracts.signed(cid)
    refused = await contracts.post(f"/contracts/{cid}/sign", {"signed_by": ADA}, expect=409)
    assert refused["detail"] == "only a drafted contract can be signed; this one is signed"
    refused = await contracts.post(
        f"/contracts/{cid}/clauses", {"template_code": "SLA"}, expect=409
    )
    assert "terms can change only while drafted" in refused["detail"]
    await contracts.post(f"/contracts/{uuid4()}/sign", {"signed_by": ADA}, expect=404)


async def test_amendment_upsells_seats_and_adds_a_product_from_an_effective_date(
    contracts: Contracts,
) -> None:
    cid = (await contracts.draft())["contract_id"]
    contract = await contracts.signed(cid)
    effective = contract["start_date"]
    body = {
        "effective_date": effective,
        "reason": "upsell",
        "lines": [
            {"product_code": "PLAT-SEAT", "quantity": "30"},
            {
                "product_code": "SSO",
                "quantity": "1",
                "description": "Single sign-on",
                "charge": "recurring",
                "billing_period": "month",
                "unit_price": "199.99",
                "discount_percent": "12.5",
            },
        ],
    }
    created = await contracts.post(f"/contracts/{cid}/amendments", body, expect=201)
    (amended,) = await contracts.events(cid, "ContractAmended")
    event = amended.json()
    assert event["amendment_id"] == created["amendment_id"]
    assert event["effective_date"] == effective
    # 30 × 49.00 = 1470.00 less 10 % = 1323.00; 199.99 less 12.5 % (25.00) = 174.99
    assert [(line["product_code"], line["net_amount"]["amount"]) for line in event["lines"]] == [
        ("PLAT-SEAT", "1323.00"),
        ("ONBOARD", "1500.00"),
        ("SSO", "174.99"),
    ]
    (history,) = await contracts.get(f"/contracts/{cid}/amendments")
    assert (history["amendment_id"], history["reason"]) == (created["amendment_id"], "upsell")
    assert [line["product_code"] for line in history["lines"]] == ["PLAT-SEAT", "ONBOARD", "SSO"]
    past = {**body, "effective_date": str(date.fromisoformat(effective) - timedelta(days=400))}
    refused = await contracts.post(f"/contracts/{cid}/amendments", past, expect=422)
    assert "in the past" in refused["detail"]


async def test_renewal_due_then_renewed_with_uplift_auto_renewal_expiry_and_termination(
    contracts: Contracts,
) -> None:
    renewing = (await contracts.draft())["contract_id"]
    automatic = (await contracts.draft())["contract_id"]
    lapsing = (await contracts.draft())["contract_id"]
    terminating = (await contracts.draft())["contract_id"]
    async with operator_client() as client:
        response = await client.patch(
            f"{contracts.url}/contracts/{lapsing}/terms", json={"auto_renew": False}
        )
    assert response.status_code == 200, response.text
    ends = {
        cid: date.fromisoformat((await contracts.signed(cid))["end_date"])
        for cid in (renewing, automatic, lapsing, terminating)
    }
    end = ends[renewing]

    too_early = await contracts.post(f"/contracts/{renewing}/renew", expect=422)
    assert too_early["detail"] == f"the renewal window opens on {end - timedelta(days=60)}"
    short = {"reason": "budget", "effective_date": str(await contracts.today())}
    refused = await contracts.post(f"/contracts/{terminating}/terminate", short, expect=422)
    assert "termination needs 30 days' notice" in refused["detail"]
    terminated = await contracts.post(f"/contracts/{terminating}/terminate", {"reason": "budget"})
    assert terminated["status"] == "terminated"
    assert terminated["termination_effective_date"] == str(ends[terminating])
    (notice,) = await contracts.events(terminating, "ContractTerminated")
    assert notice.json()["effective_date"] == str(ends[terminating])

    await contracts.advance_to(end - timedelta(days=60))
    (due,) = await contracts.events(renewing, "RenewalDue")
    assert due.json()["end_date"] == str(end)
    assert due.json()["auto_renew"] is True
    assert Decimal(due.json()["uplift_percent"]) == Decimal(3)
    # 12 × (1102.50 × 1.03 = 1135.575 → 1135.58); onboarding is not charged again
    assert Decimal(due.json()["renewal_value"]["amount"]) == Decimal("13626.96")

    renewed = await contracts.post(f"/contracts/{renewing}/renew")
    assert renewed["term_number"] == 2
    assert renewed["term_start_date"] == str(end + timedelta(days=1))
    (event,) = await contracts.events(renewing, "ContractRenewed")
    lines = event.json()["lines"]
    assert [(line["product_code"], line["net_amount"]["amount"]) for line in lines] == [
        ("PLAT-SEAT", "1135.58")
    ]
    again = await contracts.post(f"/contracts/{renewing}/renew", expect=422)
    assert "renewal window opens on" in again["detail"]
    refused = await contracts.post(f"/contracts/{terminating}/renew", expect=409)
    assert refused["detail"] == "cannot renew a contract that is terminated"

    await contracts.advance_to(max(ends.values()) + timedelta(days=1))
    (auto,) = await contracts.events(automatic, "ContractRenewed")
    assert auto.json()["start_date"] == str(ends[automatic] + timedelta(days=1))
    assert (await contracts.get(f"/contracts/{automatic}"))["term_number"] == 2
    expired = await contracts.status_becomes(lapsing, "expired")
    assert expired["term_number"] == 1
    (ended,) = await contracts.events(lapsing, "ContractTerminated")
    assert ended.json()["effective_date"] == str(ends[lapsing])
