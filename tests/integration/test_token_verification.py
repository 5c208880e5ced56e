"""Token verification against a real issuer over HTTP (the local issuer on a free port, with
its own keys): discovery, JWKS, key rotation, and every way a token can be untrustworthy."""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from typer.testing import CliRunner

from l2c_platform.cli import build_app
from l2c_platform.local_issuer import JWKS_PATH, KeyRing, issuer_server, mint_token
from l2c_runtime.auth.principal import Origin, principal_from_claims
from l2c_runtime.auth.verifier import InvalidToken, TokenVerifier, VerifierConfig


class Issuer:
    def __init__(self, directory: Path, url: str) -> None:
        self.directory = directory
        self.url = url
        self.ring = KeyRing(directory)

    def token(self, ttl: int = 600, **overrides: str) -> str:
        return mint_token(
            ["finance"],
            "fiona",
            ["emea"],
            ttl,
            directory=self.directory,
            issuer=overrides.get("issuer", self.url),
            audience=overrides.get("audience", "l2c"),
        )

    def verifier(self, **config: float) -> TokenVerifier:
        return TokenVerifier(
            VerifierConfig(self.url, "l2c", frozenset({"RS256", "ES256"}), **config)
        )


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[Issuer]:
    with socket.socket() as probe:  # the issuer names itself by its URL: pick the port first
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    directory = tmp_path / "oidc"  # as under $L2C_HOME
    server = issuer_server(port, directory, url)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield Issuer(directory, url)
    finally:
        server.shutdown()
        server.server_close()


async def test_a_token_of_the_issuer_verifies_and_maps_roles_and_team(issuer: Issuer) -> None:
    verifier = issuer.verifier()
    claims = await verifier.verify(issuer.token())
    principal = principal_from_claims(claims, "roles", "team", Origin())
    assert principal.subject == "fiona"
    assert principal.roles == {"finance"}
    assert principal.teams == {"emea"}
    assert "quotes:approve" in principal.scopes
    assert "audit:read" not in principal.scopes
    await verifier.close()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda i: i.token(ttl=-120), "expired"),
        (lambda i: i.token(audience="someone-else"), "audience"),
        (lambda i: i.token(issuer="http://evil.example"), "issuer"),
        (lambda i: _signed_by_another_key(i), "signature"),
        (lambda i: _unsigned(i), "algorithm"),
        (lambda i: _hmac_with_public_key(i), "algorithm"),
        (lambda i: "not-a-jwt", "malformed"),
    ],
    ids=[
        "expired",
        "wrong-audience",
        "wrong-issuer",
        "wrong-signature",
        "alg-none",
        "hs256",
        "garbage",
    ],
)
async def test_untrustworthy_tokens_are_refused_with_the_reason(
    issuer: Issuer, make: object, reason: str
) -> None:
    verifier = issuer.verifier()
    with pytest.raises(InvalidToken, match=reason):
        await verifier.verify(make(issuer))  # type: ignore[operator]
    await verifier.close()


async def test_a_rotated_key_is_fetched_by_kid_and_a_retired_one_stops_verifying(
    issuer: Issuer,
) -> None:
    verifier = issuer.verifier(min_refresh_seconds=0, max_age_seconds=0.5)
    old_token = issuer.token()
    await verifier.verify(old_token)
    old_kid = issuer.ring.signing_keys()[-1].kid
    issuer.ring.rotate()
    new_token = issuer.token()
    assert jwt.get_unverified_header(new_token)["kid"] != old_kid
    await verifier.verify(new_token)  # an unknown kid: the JWKS is fetched again
    await verifier.verify(old_token)  # the old key stays valid until it is removed
    issuer.ring.retire(old_kid)
    await asyncio.sleep(0.6)  # the cached set ages out
    with pytest.raises(InvalidToken, match="unknown signing key"):
        await verifier.verify(old_token)
    await verifier.verify(new_token)
    await verifier.close()


async def test_tokens_naming_made_up_key_ids_fetch_the_keys_at_most_once_per_interval(
    issuer: Issuer,
) -> None:
    fetches: list[str] = []

    async def count(request: httpx.Request) -> None:
        fetches.append(request.url.path)

    client = httpx.AsyncClient(event_hooks={"request": [count]})
    verifier = TokenVerifier(
        VerifierConfig(issuer.url, "l2c", frozenset({"RS256"}), min_refresh_seconds=60),
        http=client,
    )
    await verifier.verify(issuer.token())
    assert fetches == ["/.well-known/openid-configuration", JWKS_PATH]
    for n in range(20):
        forged = jwt.encode(_claims(issuer), "x" * 32, algorithm="HS256", headers={"kid": f"k{n}"})
        forged = ".".join([_rs256_header(f"k{n}"), *forged.split(".")[1:]])
        with pytest.raises(InvalidToken, match="unknown signing key"):
            await verifier.verify(forged)
    assert fetches == ["/.well-known/openid-configuration", JWKS_PATH]  # no new fetch
    await verifier.close()


def test_l2c_token_prints_a_token_the_services_accept(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("L2C_HOME", str(issuer.directory.parent))
    monkeypatch.setenv("L2C_OIDC_ISSUER", issuer.url)
    result = CliRunner().invoke(
        build_app(),
        ["token", "--role", "sales_rep", "--sub", "alice", "--team", "emea", "--ttl", "15m"],
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    claims = asyncio.run(_verify(issuer, token))
    assert (claims["sub"], claims["roles"], claims["team"]) == ("alice", ["sales_rep"], ["emea"])
    assert claims["exp"] - claims["iat"] == 15 * 60
    unknown = CliRunner().invoke(build_app(), ["token", "--role", "superuser"])
    assert unknown.exit_code != 0
    assert "unknown role" in unknown.output


async def _verify(issuer: Issuer, token: str) -> dict[str, object]:
    verifier = issuer.verifier()
    try:
        return dict(await verifier.verify(token))
    finally:
        await verifier.close()


def _rs256_header(kid: str) -> str:
    header = json.dumps({"alg": "RS256", "typ": "JWT", "kid": kid}).encode()
    return base64.urlsafe_b64encode(header).rstrip(b"=").decode()


def test_symmetric_algorithms_cannot_be_configured() -> None:
    with pytest.raises(ValueError, match="asymmetric"):
        VerifierConfig("http://issuer", "l2c", frozenset({"RS256", "HS256"}))


def _claims(issuer: Issuer) -> dict[str, object]:
    now = int(time.time())
    return {
        "iss": issuer.url,
        "aud": "l2c",
        "sub": "mallory",
        "iat": now,
        "exp": now + 600,
        "roles": ["finance"],
    }


def _signed_by_another_key(issuer: Issuer) -> str:
    kid = issuer.ring.signing_keys()[-1].kid
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(_claims(issuer), stranger, algorithm="RS256", headers={"kid": kid})


def _unsigned(issuer: Issuer) -> str:
    kid = issuer.ring.signing_keys()[-1].kid
    return jwt.encode(_claims(issuer), None, algorithm="none", headers={"kid": kid})


def _hmac_with_public_key(issuer: Issuer) -> str:
    """The classic confusion attack: HS256 keyed with the issuer's public key."""
    kid = issuer.ring.signing_keys()[-1].kid
    public_jwk = issuer.ring.jwks()["keys"][0]
    secret = str(public_jwk["n"]).encode()
    return jwt.encode(_claims(issuer), secret, algorithm="HS256", headers={"kid": kid})
