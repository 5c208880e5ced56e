"""`l2c statements`: bank statements into ar-svc, and what became of their lines.

uv run l2c statements import november.camt053.xml    # or a CSV file (docs/finance.md)
uv run l2c statements report STMT-2026-11-30 --status unmatched
uv run l2c statements list
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.table import Table

from l2c_platform.cli.insights import AsJson
from l2c_platform.tokens import bearer

app = typer.Typer(help="Bank statements: import them into ar-svc, report on them.")

Url = Annotated[str, typer.Option(envvar="L2C_AR_URL", help="ar-svc's base URL")]
Token = Annotated[
    str | None,
    typer.Option(
        envvar="L2C_TOKEN",
        help="bearer token of a finance user; default: one of the local issuer (development)",
    ),
]
DEFAULT_URL = "http://127.0.0.1:8006"
STATUSES = ("matched", "partly_matched", "unmatched", "ignored")
MAX_FILE_BYTES = 64 * 1024 * 1024


def _call(method: str, url: str, token: str | None, path: str, **kw: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else bearer(["finance"], "l2c-cli")
    headers |= kw.pop("headers", {})
    try:
        response = httpx.request(method, f"{url}{path}", headers=headers, timeout=600.0, **kw)
    except httpx.HTTPError as exc:
        typer.echo(f"cannot reach ar-svc at {url}: {exc}", err=True)
        raise typer.Exit(2) from None
    if response.status_code != 200:
        typer.echo(f"{path}: {response.status_code} {response.text}", err=True)
        raise typer.Exit(1)
    return response.json()


@app.command("import")
def import_statement(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CAMT.053 or CSV")],
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Import a statement, match its credits, apply their cash (again: changes nothing)."""
    if file.stat().st_size > MAX_FILE_BYTES:
        typer.echo(f"{file} is larger than {MAX_FILE_BYTES} bytes; split it", err=True)
        raise typer.Exit(1)
    data = file.read_bytes()
    kind = "application/xml" if data.lstrip()[:1] == b"<" else "text/csv"
    body = _call(
        "POST", url, token, "/bank-statements", content=data, headers={"Content-Type": kind}
    )
    if as_json:
        typer.echo(json.dumps(body, indent=2))
        return
    console = Console()
    console.print(
        f"statement [bold]{body['statement_id']}[/bold]: {body['lines']} lines, "
        f"{body['duplicates']} already imported or repeated"
    )
    table = Table(box=None, pad_edge=False)
    for column in ("status", "lines", "amount"):
        table.add_column(column, justify="left" if column == "status" else "right")
    for status in STATUSES:
        if status in body["imported"]:
            table.add_row(status, str(body["imported"][status]), body["amounts"][status])
    console.print(table)


@app.command("report")
def report(
    statement_id: Annotated[str, typer.Argument(help="the statement's id (CAMT.053 Stmt/Id)")],
    status: Annotated[str | None, typer.Option(help=f"only lines {', '.join(STATUSES)}")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500, help="lines (the API pages beyond)")] = 100,
    offset: Annotated[int, typer.Option(min=0, help="lines to skip")] = 0,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """What matched, what partly matched and what did not (to review), with totals."""
    if status is not None and status not in STATUSES:
        raise typer.BadParameter(f"one of {', '.join(STATUSES)}", param_hint="--status")
    params = {"limit": str(limit), "offset": str(offset)} | ({"status": status} if status else {})
    body = _call("GET", url, token, f"/bank-statements/{statement_id}/report", params=params)
    if as_json:
        typer.echo(json.dumps(body, indent=2))
        return
    console = Console()
    totals = Table(title=f"statement {statement_id}", box=None, pad_edge=False)
    for column in ("status", "lines", "amount", "applied", "unapplied"):
        totals.add_column(column, justify="left" if column == "status" else "right")
    for name in STATUSES:
        if name in body["totals"]:
            t = body["totals"][name]
            totals.add_row(name, str(t["lines"]), t["amount"], t["applied"], t["unapplied"])
    console.print(totals)
    lines = Table(box=None, pad_edge=False)
    for column in ("entry", "amount", "status", "how", "invoice", "still owed", "unapplied"):
        lines.add_column(column, no_wrap=True)
    for line in body["lines"]:
        lines.add_row(
            line["entry_reference"],
            f"{line['amount']} {line['currency']}",
            line["status"],
            line["method"],
            line["invoice_number"] or "-",
            line["invoice_balance"] or "-",
            line["unapplied"],
        )
    console.print(lines)


@app.command("list")
def list_statements(
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    url: Url = DEFAULT_URL,
    token: Token = None,
    as_json: AsJson = False,
) -> None:
    """Imported statements, the latest first."""
    body = _call("GET", url, token, "/bank-statements", params={"limit": str(limit)})
    if as_json:
        typer.echo(json.dumps(body, indent=2))
        return
    table = Table(box=None, pad_edge=False)
    for column in ("statement", "format", "lines", "imported", "by"):
        table.add_column(column, no_wrap=True)
    for s in body:
        table.add_row(
            s["statement_id"], s["format"], str(s["lines"]), s["imported_at"], s["imported_by"]
        )
    Console().print(table)
