"""`l2c forecast`: how good the sales forecast was, from deal-svc: a period's call (its first
daily snapshot) against what was won, per owner, team or overall.

  uv run l2c forecast 2026-11 --by team
  uv run l2c forecast 2026-Q4 --json
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from l2c_platform.tokens import bearer

GROUPS = ("owner", "team", "none")


def forecast(
    period: Annotated[str, typer.Argument(help="a month (2026-11) or a quarter (2026-Q4)")],
    by: Annotated[str, typer.Option(help="owner, team or none")] = "owner",
    url: Annotated[
        str, typer.Option(envvar="L2C_DEAL_URL", help="deal-svc's base URL")
    ] = "http://127.0.0.1:8002",
    token: Annotated[
        str | None,
        typer.Option(envvar="L2C_TOKEN", help="bearer token (default: one of the local issuer)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document, for scripts")] = False,
) -> None:
    """Forecast accuracy of a period: `l2c forecast 2026-11 --by team`."""
    if by not in GROUPS:
        raise typer.BadParameter(f"one of {', '.join(GROUPS)}", param_hint="--by")
    headers = {"Authorization": f"Bearer {token}"} if token else bearer(["revops_admin"], "l2c-cli")
    response = httpx.get(
        f"{url}/forecast/accuracy",
        params={"period": period, "group_by": by},
        headers=headers,
        timeout=30.0,
    )
    if response.status_code != 200:
        typer.echo(f"deal-svc answered {response.status_code}: {response.text}", err=True)
        raise typer.Exit(1)
    answer: dict[str, Any] = response.json()
    if as_json:
        typer.echo(json.dumps(answer, indent=2))
        return
    table = Table(title=f"forecast accuracy {answer['period']} (call of {answer['called_on']})")
    for column in ("group", "commit", "best case", "weighted", "won", "attainment", "error"):
        table.add_column(column)
    for g in answer["groups"]:
        currency = g["actual"]["currency"]
        table.add_row(
            g["key"],
            *(
                f"{g[k]['amount']} {currency}"
                for k in ("commit_forecast", "best_case_forecast", "weighted_forecast", "actual")
            ),
            g["attainment"] or "-",
            g["error"] or "-",
        )
    Console().print(table)
