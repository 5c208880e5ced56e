"""Real bearer tokens of the local issuer for the demo, the journey driver, tests and
benchmarks: HTTP clients that carry one."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import httpx

from l2c_platform.local_issuer import mint_token

OPERATOR_ROLES: tuple[str, ...] = (
    "integration",
    "sales_manager",
    "deal_desk",
    "legal",
    "finance",
    "revops_admin",
    "platform_admin",
)
"""Every role but `sales_rep` and `auditor`: tests of a feature (not of access control) act
as one operator who may do everything; access control has its own tests."""


def bearer(roles: Sequence[str], subject: str, teams: Sequence[str] = ()) -> dict[str, str]:
    """An `Authorization` header with a token of the local issuer."""
    return {"Authorization": f"Bearer {mint_token(roles, subject, teams)}"}


class LazyBearer(Mapping[str, str]):
    """`bearer(...)` minted on first use: a module of tests can name its callers at import time
    and still be collected on a machine without the local issuer's keys."""

    def __init__(self, roles: Sequence[str], subject: str, teams: Sequence[str] = ()) -> None:
        self._args = (tuple(roles), subject, tuple(teams))
        self._headers: dict[str, str] | None = None

    def _minted(self) -> dict[str, str]:
        if self._headers is None:
            self._headers = bearer(*self._args)
        return self._headers

    def __getitem__(self, key: str) -> str:
        return self._minted()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._minted())

    def __len__(self) -> int:
        return len(self._minted())


def client_as(
    roles: Sequence[str], subject: str, teams: Sequence[str] = (), **kwargs: Any
) -> httpx.AsyncClient:
    """An HTTP client whose requests carry a token of `roles` for `subject`."""
    headers = {**bearer(roles, subject, teams), **kwargs.pop("headers", {})}
    return httpx.AsyncClient(headers=headers, **kwargs)


def operator_client(**kwargs: Any) -> httpx.AsyncClient:
    """An HTTP client acting as an operator holding every role (see OPERATOR_ROLES)."""
    return client_as(OPERATOR_ROLES, "l2c-operator", **kwargs)
