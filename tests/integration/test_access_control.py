"""Every route of every service declares a scope; on the running platform each one answers
401 without a token and 403 (naming the scope) to a role that lacks it."""

from __future__ import annotations

import importlib
import os
import uuid
from collections.abc import Iterator

import httpx
import jwt
import pytest
from fastapi import FastAPI

from l2c_platform.launcher import SERVICES, Platform
from l2c_platform.local_issuer import mint_token
from l2c_platform.tokens import bearer
from l2c_runtime.auth import ROLE_SCOPES, operations, scope_of
from l2c_runtime.settings import ServiceSettings


def public(path: str) -> bool:
    """Health probes, and the e-signature webhook (it checks its own signature)."""
    return path.startswith("/health/") or path == "/webhooks/esignature"


def service_apps() -> Iterator[tuple[str, FastAPI]]:
    for spec in SERVICES:
        module = importlib.import_module(f"{spec.package}.app")
        yield spec.name, module.create_app(ServiceSettings())


def guarded_routes() -> list[tuple[str, str, str, str]]:
    """(service, method, path, scope) of every route that needs a token."""
    routes = []
    for name, app in service_apps():
        for served in operations(app):
            if not public(served.path):
                scope = scope_of(served.route)
                assert scope is not None, f"{name} {served.path} declares no scope"
                routes += [(name, method, served.path, scope) for method in sorted(served.methods)]
    return routes


def test_every_route_of_every_service_declares_a_scope_and_documents_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Building contract-svc's app needs its webhook secret; `deploy/local/env.sh` sets one, a
    # run without the local infrastructure (make test-unit) has none.
    monkeypatch.setenv(
        "CONTRACT_ESIGNATURE_SECRET", os.environ.get("CONTRACT_ESIGNATURE_SECRET", "unit-test")
    )
    for name, app in service_apps():
        served = operations(app)
        assert len(served) > 5
        undeclared = [s.path for s in served if not public(s.path) and scope_of(s.route) is None]
        assert undeclared == [], f"{name}: routes without a scope: {undeclared}"
        schema = app.openapi()
        assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
        for route in served:
            for method in route.methods:
                operation = schema["paths"][route.path][method.lower()]
                if public(route.path):
                    assert "security" not in operation
                else:
                    assert operation["security"] == [{"bearer": [scope_of(route.route)]}]
                    assert f"`{scope_of(route.route)}`" in operation["description"]


def test_every_role_in_the_table_and_auditors_only_read() -> None:
    expected = {
        "integration", "sales_rep", "sales_manager", "deal_desk", "legal", "finance",
        "revops_admin", "auditor", "platform_admin",
    }  # fmt: skip
    assert expected <= set(ROLE_SCOPES)
    assert all(scope.endswith(":read") for scope in ROLE_SCOPES["auditor"])
    assert {"dlq:replay", "clock:advance", "audit:read"} <= ROLE_SCOPES["platform_admin"]


def _concrete(path: str) -> str:
    """A path with made-up parameters (the auth check runs before any lookup)."""
    values = {"step_no": "1", "decision": "approve", "name": "default", "metric": "api_calls"}
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            key = part[1:-1]
            path = path.replace(part, values.get(key, str(uuid.uuid4())))
    return path


def _roles_without(scope: str) -> list[str]:
    """A role lacking the scope; none for a scope every role has (a token of no role)."""
    lacking = [role for role, scopes in ROLE_SCOPES.items() if scope not in scopes]
    return lacking[:1]


@pytest.mark.e2e
async def test_every_route_refuses_no_token_with_401_and_a_role_without_its_scope_with_403(
    platform: Platform,
) -> None:
    routes = guarded_routes()
    assert len(routes) > 80
    async with httpx.AsyncClient(timeout=10) as client:
        for service, method, path, scope in routes:
            url = platform.config.base_url(service) + _concrete(path)
            anonymous = await client.request(method, url)
            assert anonymous.status_code == 401, (service, method, path, anonymous.text)
            assert anonymous.headers["www-authenticate"].startswith('Bearer realm="l2c"')
            roles = _roles_without(scope)
            refused = await client.request(method, url, headers=bearer(roles, "someone"))
            assert refused.status_code == 403, (service, method, path, roles, refused.text)
            assert refused.json()["scope"] == scope
            assert scope in refused.json()["detail"]
            assert f'scope="{scope}"' in refused.headers["www-authenticate"]


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("token", "reason"),
    [
        (lambda: mint_token(["auditor"], "ann", ttl_seconds=-120), "expired"),
        (lambda: mint_token(["auditor"], "ann", audience="another-api"), "audience"),
        (lambda: mint_token(["auditor"], "ann", issuer="http://evil.example"), "issuer"),
        (lambda: _forged(), "signature"),
    ],
    ids=["expired", "wrong-audience", "wrong-issuer", "wrong-signature"],
)
async def test_an_untrustworthy_token_gets_401_with_an_invalid_token_challenge(
    platform: Platform, token: object, reason: str
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(
            platform.config.base_url("lead-svc") + "/leads",
            headers={"Authorization": f"Bearer {token()}"},  # type: ignore[operator]
        )
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="l2c", error="invalid_token"')
    assert reason in response.json()["detail"]


def _forged() -> str:
    """A token with the issuer's kid and claims, signed by a key that is not the issuer's."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    genuine = mint_token(["auditor"], "ann")
    header = jwt.get_unverified_header(genuine)
    claims = jwt.decode(genuine, options={"verify_signature": False})
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": header["kid"]})
