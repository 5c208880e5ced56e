"""The caller of the HTTP request being handled, for code below the routes (the unit of work
stamps it on the events it emits, the audit trail records it) without threading it through
every handler's signature. Consumers and jobs run outside any request: there it is None."""

from __future__ import annotations

from contextvars import ContextVar

from l2c_runtime.auth.principal import Principal

_caller: ContextVar[Principal | None] = ContextVar("l2c_caller", default=None)


def current_caller() -> Principal | None:
    return _caller.get()


def set_current_caller(principal: Principal) -> None:
    """Called by the route guard once the token is verified (the request's own context)."""
    _caller.set(principal)
