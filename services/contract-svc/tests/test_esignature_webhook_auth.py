"""The e-signature webhook only believes a provider that signs its body with the shared
secret (when one is configured)."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from contract_svc.api.orders import router
from contract_svc.domain.document import is_authentic_webhook, webhook_signature

SECRET = "s3cret"


def webhook_app() -> FastAPI:
    """Only the webhook's routes; the refusals tested here happen before any database work."""
    app = FastAPI()
    app.include_router(router)
    app.state.runtime = None
    return app


BODY = b'{"envelope_id": "env-1"}'


def test_the_hmac_of_the_body_under_the_secret_is_authentic() -> None:
    signature = webhook_signature(SECRET, BODY)
    assert is_authentic_webhook(SECRET, BODY, signature)
    assert is_authentic_webhook(SECRET, BODY, f"sha256={signature}")


def test_a_missing_wrong_or_replayed_on_other_body_signature_is_not_authentic() -> None:
    assert not is_authentic_webhook(SECRET, BODY, None)
    assert not is_authentic_webhook(SECRET, BODY, "0" * 64)
    assert not is_authentic_webhook(
        SECRET, b'{"envelope_id": "env-2"}', webhook_signature(SECRET, BODY)
    )
    assert not is_authentic_webhook("other", BODY, webhook_signature(SECRET, BODY))


@pytest.mark.parametrize("header", [None, "sha256=" + "0" * 64])
async def test_an_unsigned_or_badly_signed_webhook_is_refused_before_anything_is_read(
    monkeypatch: pytest.MonkeyPatch, header: str | None
) -> None:
    monkeypatch.setenv("CONTRACT_ESIGNATURE_SECRET", SECRET)
    app = webhook_app()
    headers = {"content-type": "application/json"}
    if header is not None:
        headers["x-esignature-signature"] = header
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://contract") as client:
        response = await client.post("/webhooks/esignature", content=BODY, headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"] == "webhook signature missing or wrong"


async def test_a_well_signed_but_invalid_body_gets_the_field_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CONTRACT_ESIGNATURE_SECRET", SECRET)
    transport = httpx.ASGITransport(app=webhook_app())
    headers = {
        "content-type": "application/json",
        "x-esignature-signature": webhook_signature(SECRET, BODY),
    }
    async with httpx.AsyncClient(transport=transport, base_url="http://contract") as client:
        response = await client.post("/webhooks/esignature", content=BODY, headers=headers)
    assert response.status_code == 422
    missing = {e["loc"][-1] for e in response.json()["detail"] if e["type"] == "missing"}
    assert {"contract_id", "signer", "signed_at", "ip_address", "document_hash"} <= missing
