"""Regression tests for what schemathesis found or the issue named: each input below once
reached the database (HTTP 500: NUL in a JSONB list, integers beyond a 32-bit column, a
tax rate beyond NUMERIC(9,6), a webhook body that is not UTF-8) or was accepted while it
should not be. Each is now refused with 4xx before any handler runs, so these need no
database: the apps are called in process and never started. They do need the local token
issuer (the callers' tokens are verified as in production)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from ar_svc.app import create_app as ar_app
from billing_svc.app import create_app as billing_app
from contract_svc.api.webhook_auth import signed_headers
from contract_svc.app import create_app as contract_app
from cpq_svc.app import create_app as cpq_app
from deal_svc.app import create_app as deal_app
from insights_svc.app import create_app as insights_app
from l2c_platform.local_issuer import issuer_url
from l2c_platform.tokens import OPERATOR_ROLES, bearer
from lead_svc.app import create_app as lead_app

pytestmark = pytest.mark.integration

APPS: dict[str, Callable[[], FastAPI]] = {
    "lead-svc": lead_app,
    "deal-svc": deal_app,
    "cpq-svc": cpq_app,
    "contract-svc": contract_app,
    "billing-svc": billing_app,
    "ar-svc": ar_app,
    "insights-svc": insights_app,
}


async def _client(service: str) -> AsyncIterator[httpx.AsyncClient]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("L2C_OIDC_ISSUER", issuer_url())
        app = APPS[service]()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    operator = bearer(OPERATOR_ROLES, "limits-operator")
    async with httpx.AsyncClient(
        transport=transport, base_url="http://svc", headers=operator
    ) as client:
        yield client


@pytest.fixture
async def lead() -> AsyncIterator[httpx.AsyncClient]:
    async for client in _client("lead-svc"):
        yield client


def _fields(response: httpx.Response) -> set[str]:
    return {str(error["loc"][-1]) for error in response.json()["detail"]}


LEAD = {"email": "ada@engines.example", "full_name": "Ada", "company": "Engines"}


async def test_a_lead_with_employees_beyond_the_column_or_nul_in_a_name_is_refused(
    lead: httpx.AsyncClient,
) -> None:
    too_many = await lead.post("/leads", json={**LEAD, "employees": 2**31})
    assert too_many.status_code == 422
    assert _fields(too_many) == {"employees"}
    nul = await lead.post("/leads", json={**LEAD, "full_name": "Ada\x00Lovelace"})
    assert nul.status_code == 422
    assert "control character U+0000" in nul.json()["detail"][0]["msg"]


async def test_a_routing_rule_with_nul_in_a_list_or_a_huge_priority_is_refused(
    lead: httpx.AsyncClient,
) -> None:
    # Found by schemathesis: NUL inside product_interests reached a JSONB column (500).
    nul = await lead.put(
        "/routing-rules/default", json={"team": "emea", "product_interests": ["\x00F"]}
    )
    assert nul.status_code == 422
    priority = await lead.put("/routing-rules/default", json={"team": "emea", "priority": 2**40})
    assert priority.status_code == 422
    assert _fields(priority) == {"priority"}


@pytest.mark.parametrize(
    "url",
    ["/leads?q=a%00b", "/leads?source=%1b[31m", "/routing-rules/a%00b"],
)
async def test_control_characters_in_a_path_or_query_are_refused(
    lead: httpx.AsyncClient, url: str
) -> None:
    response = await lead.get(url) if "routing" not in url else await lead.delete(url)
    assert response.status_code == 422
    assert response.json()["error"] == "InvalidCharacters"


async def test_an_offset_beyond_any_page_is_refused() -> None:
    async for deal in _client("deal-svc"):
        response = await deal.get("/opportunities", params={"offset": 10**12})
        assert response.status_code == 422
        assert _fields(response) == {"offset"}
        limit = await deal.get("/opportunities", params={"limit": 0})
        assert limit.status_code == 422


@pytest.mark.parametrize("rate", ["0.1234567", "1000", "1.5", "-0.1"])
async def test_a_tax_rate_beyond_numeric_9_6_or_outside_0_1_is_refused(rate: str) -> None:
    async for billing in _client("billing-svc"):
        response = await billing.put("/tax-rates/DE", json={"rate": rate, "name": "USt"})
        assert response.status_code == 422, response.text
        assert _fields(response) == {"rate"}


@pytest.mark.parametrize(
    ("amount", "currency"), [("10.001", "USD"), ("1.5", "JPY"), ("100000000000000", "EUR")]
)
async def test_a_payment_finer_than_its_currency_or_too_large_is_refused(
    amount: str, currency: str
) -> None:
    async for ar in _client("ar-svc"):
        response = await ar.post(
            "/payments",
            json={
                "external_reference": "bank-1",
                "account_id": str(uuid4()),
                "amount": {"amount": amount, "currency": currency},
            },
        )
        assert response.status_code == 422, response.text
        assert f"{currency} amount" in response.text


async def test_an_esignature_webhook_body_that_is_not_utf8_is_refused_not_a_500() -> None:
    body = b"PH\xff\xfe\x1b\x11bE\x12\x02"
    # Correctly signed, so the refusal is about the body, not the signature.
    signature = signed_headers(os.environ["CONTRACT_ESIGNATURE_SECRET"], body)
    async for contract in _client("contract-svc"):
        response = await contract.post(
            "/webhooks/esignature",
            content=body,
            headers={"content-type": "application/json", **signature},
        )
        assert response.status_code == 422, response.text


async def test_a_quote_command_body_over_the_limit_or_a_step_beyond_range_is_refused() -> None:
    quote = uuid4()
    async for cpq in _client("cpq-svc"):
        huge = await cpq.post(f"/quotes/{quote}/reject", json={"reason": "x" * 1_100_000})
        assert huge.status_code == 413
        assert huge.json()["error"] == "RequestTooLarge"
        step = await cpq.post(f"/quotes/{quote}/approvals/{2**40}/approve", json={"actor": "maria"})
        assert step.status_code == 422
        quantity = await cpq.post(
            "/quotes",
            json={
                "opportunity_id": str(quote),
                "currency": "EUR",
                "lines": [{"product_code": "PLAT-SEAT", "quantity": "1e30"}],
            },
        )
        assert quantity.status_code == 422


@pytest.mark.parametrize("service", list(APPS))
def test_every_operation_documents_the_runtime_answers(service: str) -> None:
    schema: dict[str, Any] = APPS[service]().openapi()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            assert {"404", "409", "422"} <= set(operation["responses"]), (path, method)
            if method == "post":
                assert "413" in operation["responses"]
                names = {p["name"] for p in operation.get("parameters", [])}
                assert "Idempotency-Key" in names, (path, method)


@pytest.mark.parametrize("service", ["cpq-svc", "billing-svc"])
def test_documents_name_their_content_type(service: str) -> None:
    # Found by schemathesis: a PDF answered where the schema said JSON.
    schema: dict[str, Any] = APPS[service]().openapi()
    documents = {
        path: item["get"] for path, item in schema["paths"].items() if "/document." in path
    }
    assert documents
    for path, operation in documents.items():
        kind = "application/pdf" if path.endswith(".pdf") else "text/html"
        assert list(operation["responses"]["200"]["content"]) == [kind], path
