"""How a browser user gets into the dashboard: the same bearer token as the API, either in
the `Authorization` header or, once signed in on `/dashboard/login`, in an HttpOnly,
SameSite=Strict session cookie scoped to `/dashboard` (Secure unless configured otherwise).
The cookie holds the token itself: it is verified on every request like a bearer header, so
it expires with the token and a revoked signing key ends it. Nothing else is stored."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from fastapi import Request

from l2c_runtime.auth import MissingScope, NotAuthenticated, Principal
from l2c_runtime.auth.context import set_current_caller
from l2c_runtime.auth.guard import Authenticator, ScopeRequirement, origin_of

COOKIE = "l2c_insights_session"
COOKIE_PATH = "/dashboard"
SCOPE = "insights:read"
MAX_FORM_BYTES = 16 * 1024
MAX_TOKEN_CHARS = 8 * 1024


class SignInRequired(NotAuthenticated):
    """401 on a dashboard page: a browser gets the sign-in form, a script the JSON answer."""

    def __init__(self, reason: str | None, from_cookie: bool) -> None:
        super().__init__(reason)
        self.from_cookie = from_cookie


def bearer_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class DashboardAccess(ScopeRequirement):
    """`require(scope)` for pages: the bearer header, else the session cookie."""

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        token = bearer_of(request)
        from_cookie = token is None
        if token is None:
            token = request.cookies.get(COOKIE) or None
        if token is None:
            raise SignInRequired(None, from_cookie=False)
        authenticator: Authenticator = request.app.state.authenticator
        try:
            principal = await authenticator.authenticate(token, origin_of(request))
        except NotAuthenticated as exc:
            raise SignInRequired(exc.reason, from_cookie) from exc
        if self.scope not in principal.scopes:
            raise MissingScope(self.scope, principal)
        request.state.principal = principal
        set_current_caller(principal)
        return principal


def same_origin(request: Request) -> bool:
    """A form post from a page of this very origin (no cross-site sign-in or sign-out):
    browsers send `Origin` on every POST, and `Sec-Fetch-Site` when they know it."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return site is not None  # no browser header at all: refuse
    parts = urlsplit(origin)
    return parts.scheme == request.url.scheme and parts.netloc == request.url.netloc


async def form_of(request: Request) -> dict[str, str]:
    """A small url-encoded form (first value of each field); bigger ones are refused."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise ValueError("the form is too large")
    try:
        fields = parse_qs(body.decode("utf-8"), max_num_fields=10, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError("the form is not url-encoded UTF-8") from exc
    return {name: values[0] for name, values in fields.items() if values}


async def sign_in(request: Request, token: str) -> Principal:
    """The token's caller, if it verifies and grants the dashboard's scope."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        raise NotAuthenticated("paste an access token (at most 8 KiB)")
    authenticator: Authenticator = request.app.state.authenticator
    principal = await authenticator.authenticate(token, origin_of(request))
    if SCOPE not in principal.scopes:
        raise MissingScope(SCOPE, principal)
    return principal


def cookie_lifetime(token: str, longest: int, now: float | None = None) -> int:
    """Seconds the cookie lives: until the token expires, at most `longest`."""
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    expires = claims.get("exp")
    left = longest if not isinstance(expires, int | float) else int(expires - (now or time.time()))
    return max(0, min(longest, left))


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a dashboard path of this service, nothing else (no
    open redirect)."""
    if (
        target
        and target.startswith(COOKIE_PATH)
        and not target.startswith("//")
        and "\\" not in target
        and all(ord(c) > 31 for c in target)
    ):
        return target
    return COOKIE_PATH
