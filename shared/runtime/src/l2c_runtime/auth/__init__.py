"""Authentication and authorization of the HTTP APIs: bearer tokens of an OpenID Connect
issuer, roles mapped to scopes, and the caller of a request as a `Principal`."""

from l2c_runtime.auth.guard import (
    Authenticator,
    MissingScope,
    NotAuthenticated,
    Operation,
    install_authentication,
    operations,
    require,
    scope_of,
)
from l2c_runtime.auth.principal import Origin, Principal
from l2c_runtime.auth.roles import ROLE_SCOPES, SCOPES, scopes_of

__all__ = [
    "ROLE_SCOPES",
    "SCOPES",
    "Authenticator",
    "MissingScope",
    "NotAuthenticated",
    "Operation",
    "Origin",
    "Principal",
    "install_authentication",
    "operations",
    "require",
    "scope_of",
    "scopes_of",
]
