"""The FastAPI side of authentication: `require(scope)` guards a route, the 401/403/503
answers (RFC 6750), and the bearer scheme with each operation's scope in the OpenAPI.

Every route declares its scope:

    @router.post("/quotes/{quote_id}/send", dependencies=[require("quotes:write")])

or, when it needs the caller (object-level checks, approvals, the audit trail):

    async def approve(..., caller: Annotated[Principal, require("quotes:approve")]) -> ...
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request, routing
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from l2c_runtime.auth.context import set_current_caller
from l2c_runtime.auth.principal import Origin, Principal, principal_from_claims
from l2c_runtime.auth.roles import SCOPES
from l2c_runtime.auth.verifier import (
    InvalidToken,
    IssuerUnavailable,
    TokenVerifier,
    VerifierConfig,
)
from l2c_runtime.settings import ServiceSettings

log = logging.getLogger(__name__)
REALM = "l2c"
bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    bearerFormat="JWT",
    description="An access token of the configured OpenID Connect issuer "
    "(locally: `uv run l2c token --role <role>`). Each operation names the scope it needs.",
)


class NotAuthenticated(Exception):
    """401: no token, or one that cannot be trusted (`reason` is None when none was sent)."""

    def __init__(self, reason: str | None) -> None:
        super().__init__(reason or "a bearer token is required")
        self.reason = reason


class MissingScope(Exception):
    """403: the caller is known but their roles do not grant the scope."""

    def __init__(self, scope: str, principal: Principal) -> None:
        roles = ", ".join(sorted(principal.roles)) or "none"
        super().__init__(f"this needs the scope {scope!r}, which the roles ({roles}) lack")
        self.scope = scope


class Authenticator:
    """Turns a bearer token into a `Principal`, with the service's issuer settings."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.subject_claim = settings.oidc_subject_claim
        self.roles_claim = settings.oidc_roles_claim
        self.team_claim = settings.oidc_team_claim
        self.verifier: TokenVerifier | None = None
        if settings.oidc_issuer:
            algorithms = frozenset(a.strip() for a in settings.oidc_algorithms.split(","))
            self.verifier = TokenVerifier(
                VerifierConfig(
                    issuer=settings.oidc_issuer,
                    audience=settings.oidc_audience,
                    algorithms=frozenset(a for a in algorithms if a),
                    min_refresh_seconds=settings.oidc_jwks_min_refresh_seconds,
                    max_age_seconds=settings.oidc_jwks_max_age_seconds,
                    discovery_url=settings.oidc_discovery_url,
                )
            )

    async def authenticate(self, token: str, origin: Origin) -> Principal:
        if self.verifier is None:
            # Fail closed: a service without an issuer trusts no token.
            raise NotAuthenticated("no token issuer is configured (L2C_OIDC_ISSUER)")
        try:
            claims = await self.verifier.verify(token)
        except InvalidToken as exc:
            raise NotAuthenticated(str(exc)) from exc
        try:
            return principal_from_claims(
                claims, self.roles_claim, self.team_claim, origin, self.subject_claim
            )
        except ValueError as exc:
            raise NotAuthenticated(str(exc)) from exc

    async def close(self) -> None:
        if self.verifier is not None:
            await self.verifier.close()


def origin_of(request: Request) -> Origin:
    return Origin(
        client_ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
        request_id=request.headers.get("x-request-id") or str(uuid.uuid4()),
    )


class ScopeRequirement:
    """The dependency `require` builds; its `scope` is what the route-walk test reads."""

    def __init__(self, scope: str) -> None:
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}: add it to l2c_runtime.auth.roles")
        self.scope = scope

    async def __call__(
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    ) -> Principal:
        if credentials is None:
            raise NotAuthenticated(None)
        authenticator: Authenticator = request.app.state.authenticator
        principal = await authenticator.authenticate(credentials.credentials, origin_of(request))
        if self.scope not in principal.scopes:
            raise MissingScope(self.scope, principal)
        request.state.principal = principal
        set_current_caller(principal)
        return principal


def require(scope: str) -> Any:
    """Guard a route with `scope`; as a parameter's annotation it also yields the caller."""
    return Depends(ScopeRequirement(scope))


@dataclass(frozen=True)
class Operation:
    """A route as served: its full path (router prefixes included) and methods."""

    path: str
    methods: frozenset[str]
    route: APIRoute


def operations(app: FastAPI) -> list[Operation]:
    """Every API route of `app`, including those of included routers."""
    found = []
    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            path = context.path_format or route.path_format
            found.append(Operation(path, frozenset(context.methods or route.methods or ()), route))
    return found


def scope_of(route: APIRoute) -> str | None:
    """The scope a route declared, or None (only health, docs and webhooks may have none)."""
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        if isinstance(dependant.call, ScopeRequirement):
            return dependant.call.scope
        pending.extend(dependant.dependencies)
    return None


def _challenge(error: str | None = None, **params: str) -> str:
    parts = [f'realm="{REALM}"']
    if error:
        parts.append(f'error="{error}"')
    parts += [f'{name}="{value.replace(chr(34), chr(39))}"' for name, value in params.items()]
    return "Bearer " + ", ".join(parts)


def install_authentication(app: FastAPI, settings: ServiceSettings) -> Authenticator:
    """The authenticator on `app.state`, the error answers and the OpenAPI security."""
    authenticator = Authenticator(settings)
    app.state.authenticator = authenticator
    if authenticator.verifier is None:
        log.warning("L2C_OIDC_ISSUER is not set: every route but health and webhooks answers 401")

    async def not_authenticated(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, NotAuthenticated)
        if exc.reason is None:
            header = _challenge()
            body = {"detail": str(exc), "error": "invalid_request"}
        else:
            header = _challenge("invalid_token", error_description=exc.reason)
            body = {"detail": exc.reason, "error": "invalid_token"}
        return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": header})

    async def missing_scope(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, MissingScope)
        return JSONResponse(
            {"detail": str(exc), "error": "insufficient_scope", "scope": exc.scope},
            status_code=403,
            headers={"WWW-Authenticate": _challenge("insufficient_scope", scope=exc.scope)},
        )

    async def issuer_unavailable(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            {"detail": f"cannot verify tokens now: {exc}", "error": "issuer_unavailable"},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    app.add_exception_handler(NotAuthenticated, not_authenticated)
    app.add_exception_handler(MissingScope, missing_scope)
    app.add_exception_handler(IssuerUnavailable, issuer_unavailable)
    _document_scopes(app)
    return authenticator


def _document_scopes(app: FastAPI) -> None:
    """Each operation's security names its scope (OpenAPI 3.1 allows role names for
    non-OAuth schemes), and its description says it in words."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for served in operations(app):
            scope = scope_of(served.route)
            if scope is None or not served.route.include_in_schema:
                continue
            for method in served.methods:
                operation = schema["paths"][served.path].get(method.lower())
                if operation is None:
                    continue
                operation["security"] = [{"bearer": [scope]}]
                operation["x-required-scope"] = scope
                note = f"Requires scope `{scope}`."
                described = operation.get("description")
                operation["description"] = f"{described}\n\n{note}" if described else note
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
