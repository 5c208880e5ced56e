"""The authenticated caller of a request: who (token subject), with which roles and scopes,
in which teams, and from where (for the audit trail)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from l2c_runtime.auth.roles import EVERY_RECORD_ROLES, scopes_of


@dataclass(frozen=True)
class Origin:
    """Where a request came from, as the audit trail records it."""

    client_ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[str]
    teams: frozenset[str]
    origin: Origin = Origin()

    @property
    def scopes(self) -> frozenset[str]:
        return scopes_of(self.roles)

    @property
    def role(self) -> str:
        """The roles as one string, for the audit trail."""
        return ",".join(sorted(self.roles))

    @property
    def sees_every_record(self) -> bool:
        """Finance, auditors, RevOps, deal desk, legal: every record. Sales: their own."""
        return bool(self.roles & EVERY_RECORD_ROLES)

    def may_see(self, owner: str | None, team: str | None) -> bool:
        """A lead, opportunity or quote owned by `owner` in `team`: visible to its owner, to
        everyone in its team (a manager's token lists the teams they lead), and to the roles
        that see every record."""
        if self.sees_every_record:
            return True
        return (owner is not None and owner == self.subject) or (
            team is not None and team in self.teams
        )


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (`realm_access.roles`), or None. A claim whose own name has
    dots (Auth0's namespaced `https://l2c.example/roles`) is found by its whole name first."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def as_names(value: Any, spaces_separate: bool = True) -> frozenset[str]:
    """A claim holding names: a list, or one string (comma-separated, and space-separated
    too unless the names may contain spaces, as team names do)."""
    if isinstance(value, str):
        text = value.replace(",", " ") if spaces_separate else value
        parts = text.split() if spaces_separate else text.split(",")
        return frozenset(v.strip() for v in parts if v.strip())
    if isinstance(value, list | tuple):
        return frozenset(str(v) for v in value)
    return frozenset()


def principal_from_claims(
    claims: Mapping[str, Any],
    roles_claim: str,
    team_claim: str,
    origin: Origin,
    subject_claim: str = "sub",
) -> Principal:
    subject = claim_at(claims, subject_claim)
    if not isinstance(subject, str) or not subject:
        raise ValueError(f"the token has no {subject_claim!r} claim")
    return Principal(
        subject=subject,
        roles=as_names(claim_at(claims, roles_claim)),
        teams=as_names(claim_at(claims, team_claim), spaces_separate=False),
        origin=origin,
    )
