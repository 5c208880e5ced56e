"""Roles map to scopes as one table; claims of different identity providers map to a caller;
a caller sees records by owner and team."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from l2c_runtime.auth.principal import Origin, Principal, principal_from_claims
from l2c_runtime.auth.roles import READ_SCOPES, ROLE_SCOPES, SCOPES, scopes_of

DOCS = Path(__file__).resolve().parents[3] / "docs" / "security.md"


def test_the_role_table_in_the_docs_is_the_table_in_the_code() -> None:
    documented: dict[str, set[str]] = {}
    for line in DOCS.read_text().splitlines():
        match = re.match(r"^\| `([a-z_]+)` \|[^|]*\| (.*) \|$", line)
        if match:
            documented[match.group(1)] = set(re.findall(r"`([\w:-]+)`", match.group(2)))
    assert documented == {role: set(scopes) for role, scopes in ROLE_SCOPES.items()}


def test_every_granted_scope_exists_and_the_auditor_only_reads() -> None:
    for scopes in ROLE_SCOPES.values():
        assert scopes <= SCOPES
    assert ROLE_SCOPES["auditor"] == READ_SCOPES
    assert not any(s.endswith(":write") for s in ROLE_SCOPES["auditor"])
    assert scopes_of(["sales_rep", "no-such-role"]) == ROLE_SCOPES["sales_rep"]


def test_keycloak_realm_roles_and_groups_map_to_roles_and_teams() -> None:
    claims = {
        "sub": "5e1c-uuid",
        "preferred_username": "alice",
        "realm_access": {"roles": ["sales_rep", "offline_access"]},
        "team": ["EMEA Enterprise"],
    }
    alice = principal_from_claims(
        claims, "realm_access.roles", "team", Origin(), subject_claim="preferred_username"
    )
    assert (alice.subject, alice.roles, alice.teams) == (
        "alice",
        {"sales_rep", "offline_access"},
        {"EMEA Enterprise"},
    )


def test_space_separated_roles_and_a_single_team_string_are_understood() -> None:
    claims = {"sub": "bob", "https://l2c.example/roles": "finance auditor", "team": "EMEA Mid"}
    bob = principal_from_claims(claims, "https://l2c.example/roles", "team", Origin())
    assert bob.roles == {"finance", "auditor"}
    assert bob.teams == {"EMEA Mid"}


def test_a_token_without_the_subject_claim_is_refused() -> None:
    with pytest.raises(ValueError, match="preferred_username"):
        principal_from_claims({"sub": "x"}, "roles", "team", Origin(), "preferred_username")


def test_reps_see_their_own_and_their_teams_records_finance_sees_all() -> None:
    rep = Principal("alice", frozenset({"sales_rep"}), frozenset({"emea"}))
    manager = Principal("maria", frozenset({"sales_manager"}), frozenset({"emea", "dach"}))
    finance = Principal("fiona", frozenset({"finance"}), frozenset())
    assert rep.may_see("alice", None)
    assert rep.may_see("bob", "emea")
    assert not rep.may_see("bob", "na")
    assert not rep.may_see(None, None)
    assert manager.may_see("carl", "dach") and not manager.may_see("carl", "na")
    assert finance.may_see("anyone", "anywhere")
