"""`l2c journey`, `l2c metrics`, `l2c insights rebuild`: a lead's journey and the lead-to-cash
metrics from insights-svc, and a rebuild of its projection from the topics.

  uv run l2c journey 6f1c…            # the timeline of one lead
  uv run l2c metrics --from 2026-01-01 --by owner --json
  uv run l2c insights rebuild         # replay every events topic into a fresh projection
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from l2c_platform.launcher import BY_NAME, PlatformConfig
from l2c_platform.tokens import bearer

app = typer.Typer(
    help="insights-svc's projection: rebuild it from the topics.", no_args_is_help=True
)

METRICS = (
    "lead_to_first_contact",
    "sales_cycle",
    "quote_generation_time",
    "contract_approval_time",
    "signature_to_invoice",
    "lead_to_cash",
    "lead_to_opportunity_rate",
    "opportunity_win_rate",
    "quote_to_close_rate",
    "quote_accuracy",
)

MAIN_AMOUNTS = (
    "total",
    "totals.net_total",
    "total_contract_value",
    "recurring_amount",
    "amount",
    "balance",
)
"""The amount a timeline row shows (the first the event has)."""
MAIN_IDS = (
    "payment_id",
    "invoice_id",
    "subscription_id",
    "order_id",
    "contract_id",
    "quote_id",
    "opportunity_id",
)
"""The id a timeline row shows: the step's own (the most specific the event has)."""

Url = Annotated[
    str,
    typer.Option(envvar="L2C_INSIGHTS_URL", help="insights-svc's base URL"),
]
Token = Annotated[
    str | None,
    typer.Option(
        envvar="L2C_TOKEN",
        help="bearer token with insights:read; default: one of the local issuer (development)",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="one JSON document")]
DEFAULT_URL = "http://127.0.0.1:8007"
GROUPS = ("owner", "team", "segment", "source", "campaign", "currency", "cohort")


def _get(url: str, token: str | None, path: str, params: dict[str, str] | None = None) -> Any:
    headers = (
        {"Authorization": f"Bearer {token}"} if token else bearer(["platform_admin"], "l2c-cli")
    )
    try:
        response = httpx.get(f"{url}{path}", params=params, headers=headers, timeout=30.0)
    except httpx.HTTPError as exc:
        typer.echo(f"cannot reach insights-svc at {url}: {exc}", err=True)
        raise typer.Exit(2) from None
    if response.status_code != 200:
        typer.echo(f"{path}: {response.status_code} {response.text}", err=True)
        raise typer.Exit(1)
    return response.json()


def human_duration(seconds: float | None) -> str:
    """`2d 03h`, `5h 20m`, `42s`."""
    if seconds is None:
        return "-"
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def show_journey(body: dict[str, Any], console: Console) -> None:
    """A journey (as `GET /journeys/{lead_id}` answers) as a timeline."""
    console.print(
        f"[bold]lead {body['lead_id']}[/bold]  status [bold]{body['status']}[/bold]  "
        f"owner {body['owner'] or '-'}  source {body['source'] or '-'}  "
        f"account {body['account_id'] or '-'}"
    )
    table = Table(box=None, pad_edge=False)
    for column in ("when", "+", "stage", "actor", "what", "trace"):
        table.add_column(column, no_wrap=column != "what", overflow="fold")
    start = datetime.fromisoformat(body["stages"][0]["occurred_at"]) if body["stages"] else None
    for stage in body["stages"]:
        when = datetime.fromisoformat(stage["occurred_at"])
        since = human_duration((when - start).total_seconds()) if start else "-"
        detail = stage["detail"]
        what = [detail.get("outcome") or detail.get("to_stage") or ""]
        amount = next((stage["amounts"][k] for k in MAIN_AMOUNTS if k in stage["amounts"]), None)
        if amount is not None:
            what.append(f"{amount} {detail.get('currency', '')}".strip())
        main_id = next((k for k in MAIN_IDS if k in stage["ids"]), None)
        if main_id is not None:
            what.append(f"{main_id.removesuffix('_id')} {stage['ids'][main_id][:8]}")
        table.add_row(
            when.strftime("%m-%d %H:%M:%S"),
            since,
            stage["stage"],
            stage["actor"] or "",
            " ".join(x for x in what if x),
            (stage["trace_id"] or "")[:8],
        )
    console.print(table)
    if body["truncated"]:
        console.print("[yellow]more stages than shown (use --json or the API)[/yellow]")


def show_metrics(answers: dict[str, Any], console: Console) -> None:
    """Metrics (as `GET /metrics/{name}` answers, by name) as tables."""
    table = Table(title="lead-to-cash metrics")
    for column in ("metric", "group", "n", "p50 / rate", "p90", "mean"):
        table.add_column(column)
    for metric_name, answer in answers.items():
        if metric_name == "funnel":
            continue
        if metric_name == "dso":
            for currency, value in answer["groups"].items():
                table.add_row("dso (days)", currency, value["sales"], value["dso"] or "-", "", "")
            continue
        if not answer["groups"]:
            table.add_row(metric_name, "-", "0", "-", "-", "-")
        for group, value in answer["groups"].items():
            if answer["kind"] == "duration":
                table.add_row(
                    metric_name,
                    group,
                    str(value["count"]),
                    human_duration(value["p50_seconds"]),
                    human_duration(value["p90_seconds"]),
                    human_duration(value["mean_seconds"]),
                )
            else:
                table.add_row(
                    metric_name,
                    group,
                    f"{value['numerator']}/{value['denominator']}",
                    value["rate"] or "-",
                    "",
                    "",
                )
    console.print(table)
    if "funnel" in answers:
        funnel = Table(title="funnel (leads captured in the period)")
        for column in ("stage", "count", "drop-off"):
            funnel.add_column(column)
        for row in answers["funnel"]["stages"]:
            funnel.add_row(row["stage"], str(row["count"]), row["drop_off"] or "")
        console.print(funnel)


def journey(
    lead_id: Annotated[UUID, typer.Argument(help="the lead")],
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Every stage of one lead's journey, capture to cash: `l2c journey <lead_id>`."""
    body = _get(url, token, f"/journeys/{lead_id}")
    if as_json:
        typer.echo(json.dumps(body, indent=2))
        return
    show_journey(body, Console())


def metrics(
    name: Annotated[
        list[str] | None,
        typer.Argument(help="metrics to show (default: all, and the funnel; dso with --from --to)"),
    ] = None,
    from_: Annotated[
        datetime | None, typer.Option("--from", help="period start (inclusive), ISO 8601")
    ] = None,
    to: Annotated[datetime | None, typer.Option(help="period end (exclusive), ISO 8601")] = None,
    by: Annotated[
        str | None,
        typer.Option(
            help="group by owner, team, segment, source, campaign, currency or cohort (month)"
        ),
    ] = None,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """The lead-to-cash metrics (docs/insights.md): `l2c metrics --from 2026-01-01 --by owner`."""
    if by is not None and by not in GROUPS:
        raise typer.BadParameter(f"one of {', '.join(GROUPS)}", param_hint="--by")
    params = {k: v for k, v in (("from", from_), ("to", to)) if v is not None}
    query = {k: v.isoformat() for k, v in params.items()} | ({"by": by} if by else {})
    names = name or [*METRICS, *(("dso",) if from_ and to else ()), "funnel"]
    answers = {n: _get(url, token, f"/metrics/{n}", query) for n in names}
    if as_json:
        typer.echo(json.dumps(answers, indent=2))
        return
    show_metrics(answers, Console())


@app.command()
def rebuild(
    database: Annotated[
        str | None,
        typer.Option(help="target database (SQLAlchemy URL); default: insights-svc's own"),
    ] = None,
    bootstrap: Annotated[
        str, typer.Option(envvar="KAFKA_BOOTSTRAP", help="Kafka bootstrap servers")
    ] = "127.0.0.1:9092",
    as_json: AsJson = False,
) -> None:
    """Replay every events topic from its beginning into a fresh projection (the facts are
    emptied first): `l2c insights rebuild`."""
    from insights_svc.handlers.rebuild import rebuild as replay

    url = database or PlatformConfig().database_url(BY_NAME["insights-svc"])
    columns = (
        TextColumn("replaying events"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, disable=as_json) as bar:
        task = bar.add_task("replay", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = asyncio.run(replay(url, bootstrap, progress))
    summary = {"records": result.records, "facts": result.facts, "skipped": result.skipped}
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        typer.echo(
            f"rebuilt: {result.facts} facts from {result.records} records "
            f"({result.skipped} skipped)"
        )
