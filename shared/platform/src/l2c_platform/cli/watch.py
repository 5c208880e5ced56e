"""`l2c handoffs` and `l2c leakage`: what RevOps reads every morning from insights-svc, the
hand-offs stuck past (or near) their SLA and the money falling between services.

  uv run l2c handoffs                     # every open hand-off, oldest first, per stage
  uv run l2c handoffs --state breached --json
  uv run l2c leakage                      # findings per detector with the amounts at risk
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from l2c_platform.cli.insights import DEFAULT_URL, AsJson, Token, Url, _get, human_duration

STATES = ("open", "at_risk", "breached")
DETECTORS = (
    "contract_signed_without_order",
    "order_without_subscription",
    "subscription_not_invoiced",
    "overdue_without_dunning",
    "payment_unapplied",
    "discount_without_approval",
)
Limit = Annotated[int, typer.Option(min=1, max=500, help="rows (the API pages beyond)")]


def handoffs(
    state: Annotated[str, typer.Option(help="open (all not ended), at_risk or breached")] = "open",
    sla: Annotated[str | None, typer.Option(help="only this SLA (its key)")] = None,
    owner_team: Annotated[str | None, typer.Option(help="only this owner team")] = None,
    limit: Limit = 100,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """The hand-offs not yet ended against their SLAs, oldest first, with per stage how many
    are open, at risk and breached (docs/insights.md)."""
    if state not in STATES:
        raise typer.BadParameter(f"one of {', '.join(STATES)}", param_hint="--state")
    params = {"state": state, "limit": str(limit)}
    params |= {k: v for k, v in (("sla", sla), ("owner_team", owner_team)) if v}
    body = _get(url, token, "/handoffs", params)
    if as_json:
        typer.echo(json.dumps(body, indent=2))
        return
    show_handoffs(body, Console())


def show_handoffs(body: dict[str, Any], console: Console) -> None:
    stages = Table(title="hand-offs per stage", box=None, pad_edge=False)
    for column in ("sla", "open", "at risk", "breached", "oldest"):
        stages.add_column(column, justify="left" if column == "sla" else "right")
    for key, summary in sorted(body["stages"].items()):
        stages.add_row(
            key,
            str(summary["open"]),
            str(summary["at_risk"]),
            str(summary["breached"]),
            human_duration(summary["oldest_age_seconds"]),
        )
    console.print(stages)
    table = Table(box=None, pad_edge=False)
    for column in ("sla", "state", "age", "overdue", "team", "owner", "lead"):
        table.add_column(column, no_wrap=True)
    for item in body["items"]:
        table.add_row(
            item["sla_key"],
            item["state"],
            human_duration(item["age_seconds"]),
            human_duration(item["overdue_seconds"]) if item["overdue_seconds"] else "-",
            item["owner_team"],
            item["owner"] or "-",
            item["lead_id"],
        )
    console.print(table)
    if body.get("next_offset") is not None:
        console.print(f"(more: --limit beyond {body['limit']}, or the API with offset)")


def leakage(
    detector: Annotated[str | None, typer.Option(help="only this detector")] = None,
    limit: Limit = 100,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """The revenue-leakage findings: per detector its count and amounts at risk, then each
    finding with its journey (docs/insights.md explains each detector)."""
    if detector is not None and detector not in DETECTORS:
        raise typer.BadParameter(f"one of {', '.join(DETECTORS)}", param_hint="--detector")
    params = {"limit": str(limit)} | ({"detector": detector} if detector else {})
    body = _get(url, token, "/leakage", params)
    if as_json:
        typer.echo(json.dumps(body, indent=2))
        return
    show_leakage(body, Console())


def show_leakage(body: dict[str, Any], console: Console) -> None:
    summary = Table(title="leakage per detector", box=None, pad_edge=False)
    for column in ("detector", "findings", "at risk"):
        summary.add_column(column)
    for name, row in body["detectors"].items():
        amounts = ", ".join(f"{a} {c}" for c, a in row["amount_at_risk"].items()) or "-"
        summary.add_row(name, str(row["findings"]), amounts)
    console.print(summary)
    table = Table(box=None, pad_edge=False)
    for column in ("detector", "at risk", "age", "subject", "journey"):
        table.add_column(column, no_wrap=column != "subject", overflow="fold")
    for item in body["items"]:
        amount = item["amount_at_risk"]
        table.add_row(
            item["detector"],
            f"{amount} {item['currency']}" if amount is not None else "-",
            human_duration(item["age_seconds"]),
            item["subject"],
            item["journey"],
        )
    console.print(table)
