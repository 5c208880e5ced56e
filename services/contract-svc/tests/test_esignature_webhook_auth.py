"""The e-signature webhook only believes a provider that signs the time and the body with the
shared secret, within five minutes; without a secret contract-svc does not start (unless an
explicit dev mode is set)."""

from __future__ import annotations

import time

import httpx
import pytest
from fastapi import FastAPI

from contract_svc.api.orders import router
from contract_svc.api.webhook_auth import (
    WebhookGuard,
    WebhookMisconfigured,
    WebhookSettings,
    signed_headers,
)
from contract_svc.app import create_app
from contract_svc.domain.document import is_authentic_webhook, webhook_signature

SECRET = "s3cret"
BODY = b'{"envelope_id": "env-1"}'
NOW = 1_800_000_000


def webhook_app(guard: WebhookGuard) -> FastAPI:
    """Only the webhook's routes; the refusals tested here happen before any database work."""
    app = FastAPI()
    app.include_router(router)
    app.state.runtime = None
    app.state.esignature_guard = guard
    return app


def test_the_hmac_of_timestamp_and_body_under_the_secret_is_authentic() -> None:
    signature = webhook_signature(SECRET, str(NOW), BODY)
    assert is_authentic_webhook(SECRET, str(NOW), BODY, signature)
    assert is_authentic_webhook(SECRET, str(NOW), BODY, f"sha256={signature}")


def test_a_signature_of_another_body_time_or_secret_is_not_authentic() -> None:
    signature = webhook_signature(SECRET, str(NOW), BODY)
    assert not is_authentic_webhook(SECRET, str(NOW), BODY, None)
    assert not is_authentic_webhook(SECRET, None, BODY, signature)
    assert not is_authentic_webhook(SECRET, str(NOW), BODY, "0" * 64)
    assert not is_authentic_webhook(SECRET, str(NOW), b'{"envelope_id": "env-2"}', signature)
    assert not is_authentic_webhook(SECRET, str(NOW + 1), BODY, signature)  # re-dated replay
    assert not is_authentic_webhook("other", str(NOW), BODY, signature)


def test_the_guard_accepts_fresh_signed_requests_only() -> None:
    guard = WebhookGuard(SECRET)
    fresh = signed_headers(SECRET, BODY, at=NOW)
    stamp, signature = fresh["x-esignature-timestamp"], fresh["x-esignature-signature"]
    assert guard.refusal(BODY, stamp, signature, now=NOW + 299) is None
    assert guard.refusal(BODY, stamp, signature, now=NOW - 299) is None  # provider clock ahead
    assert guard.refusal(BODY, stamp, signature, now=NOW + 301) == (
        "webhook timestamp is more than 5 minutes away from now"
    )
    assert guard.refusal(BODY, "yesterday", signature, now=NOW) == (
        "webhook timestamp is not Unix seconds"
    )
    assert guard.refusal(BODY, None, signature, now=NOW) == (
        "webhook signature or timestamp missing"
    )
    assert guard.refusal(BODY, stamp, "0" * 64, now=NOW) == "webhook signature wrong"


def test_without_a_secret_the_service_does_not_start_unless_in_dev_mode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CONTRACT_ESIGNATURE_SECRET", raising=False)
    monkeypatch.delenv("CONTRACT_ESIGNATURE_DEV_MODE", raising=False)
    with pytest.raises(WebhookMisconfigured, match="CONTRACT_ESIGNATURE_SECRET is not set"):
        create_app()
    with pytest.raises(WebhookMisconfigured):
        WebhookGuard.from_settings(WebhookSettings(dev_mode=False))
    dev = WebhookGuard.from_settings(WebhookSettings(dev_mode=True))
    assert dev.refusal(BODY, None, None) is None
    assert WebhookGuard.from_settings(WebhookSettings(secret=SECRET)).secret == SECRET


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "webhook signature or timestamp missing"),
        (
            {"x-esignature-timestamp": "0", "x-esignature-signature": "0" * 64},
            "webhook timestamp is more than 5 minutes away from now",
        ),
        ("stale", "webhook timestamp is more than 5 minutes away from now"),
        ("bad", "webhook signature wrong"),
    ],
)
async def test_an_unsigned_stale_or_badly_signed_webhook_is_refused_before_anything_is_read(
    headers: dict[str, str] | str, reason: str
) -> None:
    if headers == "stale":
        headers = signed_headers(SECRET, BODY, at=time.time() - 600)
    elif headers == "bad":
        headers = signed_headers("not-the-secret", BODY)
    assert isinstance(headers, dict)
    transport = httpx.ASGITransport(app=webhook_app(WebhookGuard(SECRET)))
    async with httpx.AsyncClient(transport=transport, base_url="http://contract") as client:
        response = await client.post(
            "/webhooks/esignature",
            content=BODY,
            headers={"content-type": "application/json", **headers},
        )
    assert response.status_code == 401
    assert response.json()["detail"] == reason


async def test_a_well_signed_but_invalid_body_gets_the_field_errors() -> None:
    transport = httpx.ASGITransport(app=webhook_app(WebhookGuard(SECRET)))
    headers = {"content-type": "application/json", **signed_headers(SECRET, BODY)}
    async with httpx.AsyncClient(transport=transport, base_url="http://contract") as client:
        response = await client.post("/webhooks/esignature", content=BODY, headers=headers)
    assert response.status_code == 422
    missing = {e["loc"][-1] for e in response.json()["detail"] if e["type"] == "missing"}
    assert {"contract_id", "signer", "signed_at", "ip_address", "document_hash"} <= missing
