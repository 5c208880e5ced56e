"""`l2c token`: print a bearer token of the local issuer, for curl and scripts.

TOKEN=$(uv run l2c token --role sales_rep --sub alice --team emea)
curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8001/leads
"""

from __future__ import annotations

import re
from typing import Annotated

import typer

from l2c_platform.local_issuer import mint_token
from l2c_runtime.auth import ROLE_SCOPES

_DURATION = re.compile(r"^(\d+)([smhd]?)$")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_ttl(text: str) -> int:
    """`90s`, `15m`, `1h`, `2d` or plain seconds."""
    match = _DURATION.match(text.strip())
    if not match:
        raise typer.BadParameter(f"{text!r} is not a duration like 15m, 1h or 2d")
    return int(match.group(1)) * _SECONDS[match.group(2)]


def token(
    role: Annotated[list[str], typer.Option(help="a role (repeat for several)")],
    sub: Annotated[str, typer.Option(help="the user or system the token speaks for")] = "",
    team: Annotated[list[str] | None, typer.Option(help="a team (repeat for several)")] = None,
    ttl: Annotated[str, typer.Option(help="lifetime: 15m, 1h, 2d")] = "1h",
) -> None:
    """Print a token of the local issuer (deploy/local/oidc.sh) for the given role(s)."""
    unknown = [r for r in role if r not in ROLE_SCOPES]
    if unknown:
        known = ", ".join(ROLE_SCOPES)
        raise typer.BadParameter(f"unknown role(s) {unknown}; roles: {known}", param_hint="--role")
    try:
        signed = mint_token(role, sub or role[0], team or (), parse_ttl(ttl))
    except FileNotFoundError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(signed)
