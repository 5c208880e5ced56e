"""Errors a handler or a domain rule raises when a command or event cannot be carried out: the
HTTP layer maps them to 4xx answers with the reason, the consumer sends such an event to its
dead-letter topic. They depend on nothing, so pure domain code can raise them; l2c_runtime.errors
re-exports them together with the runtime's view of which failures are transient."""

from __future__ import annotations


class RuleViolation(Exception):
    """The input breaks a business rule (HTTP 422); it will never succeed as it is."""


class NotFound(RuleViolation):
    """The thing referred to does not exist (HTTP 404)."""


class Conflict(RuleViolation):
    """The thing is not in a state that allows this (HTTP 409), e.g. signing a signed contract."""


class Forbidden(RuleViolation):
    """The caller may not do this to this thing (HTTP 403), e.g. approve their own quote."""
