"""Bearer token verification against the issuer's published keys (OpenID Connect discovery
and JWKS), with PyJWT doing the cryptography.

Keys are cached by `kid`. A token signed with a key id not in the cache makes the verifier
fetch the JWKS again (at most once per `min_refresh_seconds`, so a flood of made-up key ids
cannot turn the service into a load generator against the issuer); the whole set is also
fetched again after `max_age_seconds`, so a key the issuer removed stops being accepted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

log = logging.getLogger(__name__)

ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class InvalidToken(Exception):
    """The token cannot be trusted (RFC 6750 `invalid_token`): the reason is safe to show."""


class IssuerUnavailable(Exception):
    """The issuer's discovery document or keys could not be fetched."""


@dataclass(frozen=True)
class VerifierConfig:
    issuer: str
    audience: str
    algorithms: frozenset[str]
    min_refresh_seconds: float = 10.0
    max_age_seconds: float = 300.0
    leeway_seconds: float = 30.0
    discovery_url: str | None = None
    """Default: `<issuer>/.well-known/openid-configuration`."""

    def __post_init__(self) -> None:
        symmetric = self.algorithms - ASYMMETRIC_ALGORITHMS
        if symmetric:
            # HS* with a published key would let anyone holding the public key sign tokens.
            raise ValueError(f"only asymmetric signature algorithms are allowed, not {symmetric}")


class TokenVerifier:
    def __init__(self, config: VerifierConfig, http: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._http = http or httpx.AsyncClient(timeout=5.0)
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._jwks_uri: str | None = None
        self._lock = asyncio.Lock()

    async def verify(self, token: str) -> Mapping[str, Any]:
        """The token's claims, once its signature, issuer, audience and lifetime check out."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed token") from exc
        algorithm = header.get("alg")
        if algorithm not in self.config.algorithms:
            raise InvalidToken(f"signature algorithm {algorithm!r} is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidToken("the token names no key id (kid)")
        key = await self._key(kid)
        try:
            return jwt.decode(
                token,
                key=key,
                algorithms=sorted(self.config.algorithms),
                audience=self.config.audience,
                issuer=self.config.issuer,
                leeway=self.config.leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("the token has expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken("the token is not meant for this audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("the token comes from another issuer") from exc
        except jwt.InvalidSignatureError as exc:
            raise InvalidToken("the token's signature does not verify") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"invalid token: {exc}") from exc

    async def _key(self, kid: str) -> jwt.PyJWK:
        now = time.monotonic()
        stale = now - self._fetched_at > self.config.max_age_seconds
        unknown = kid not in self._keys
        may_refresh = now - self._fetched_at >= self.config.min_refresh_seconds
        if stale or (unknown and may_refresh):
            async with self._lock:
                if self._fetched_at < now:  # nobody refreshed while we waited
                    await self._refresh()
        key = self._keys.get(kid)
        if key is None:
            raise InvalidToken(f"unknown signing key {kid!r}")
        return key

    async def _refresh(self) -> None:
        try:
            if self._jwks_uri is None:
                self._jwks_uri = await self._discover()
            response = await self._http.get(self._jwks_uri)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            if self._keys:  # keep serving with the keys we have; try again later
                log.warning("JWKS refresh from %s failed: %s", self._jwks_uri, exc)
                self._fetched_at = time.monotonic()
                return
            raise IssuerUnavailable(f"cannot fetch the issuer's keys: {exc}") from exc
        keys: dict[str, jwt.PyJWK] = {}
        for jwk in document.get("keys", []):
            if jwk.get("use", "sig") != "sig" or "kid" not in jwk:
                continue
            try:
                keys[jwk["kid"]] = jwt.PyJWK(jwk)
            except jwt.PyJWTError as exc:  # e.g. an algorithm we do not support
                log.info("ignoring key %s: %s", jwk.get("kid"), exc)
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def _discover(self) -> str:
        url = self.config.discovery_url or (
            self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
        )
        response = await self._http.get(url)
        response.raise_for_status()
        document = response.json()
        if document.get("issuer") != self.config.issuer:
            raise IssuerUnavailable(
                f"discovery at {url} names issuer {document.get('issuer')!r}, "
                f"not {self.config.issuer!r}"
            )
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise IssuerUnavailable(f"discovery at {url} has no jwks_uri")
        return jwks_uri

    async def close(self) -> None:
        await self._http.aclose()
