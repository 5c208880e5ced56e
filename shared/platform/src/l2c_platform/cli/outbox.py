"""`l2c outbox`: the parked rows of a service's outbox (events the broker refused for good,
holding back the later events of their key): list them, retry them, or skip them with a
reason. See docs/operations.md."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import typer
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from l2c_platform.launcher import BY_NAME, SERVICES, PlatformConfig
from l2c_runtime.db import create_engine
from l2c_runtime.parked_outbox import parked_rows, retry_parked, skip_parked

app = typer.Typer(help="Parked outbox rows: list, retry, skip.", no_args_is_help=True)

T = TypeVar("T")

Service = Annotated[
    str,
    typer.Argument(
        help=f"the service, e.g. cpq-svc or cpq ({', '.join(s.name for s in SERVICES)})"
    ),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        help="the service's database (SQLAlchemy URL); default: the platform's, from L2C_PG_URL"
    ),
]


def database_url(service: str, override: str | None) -> str:
    if override:
        return override
    spec = BY_NAME.get(service) or BY_NAME.get(f"{service}-svc")
    if spec is None:
        raise typer.BadParameter(
            f"unknown service {service!r}; one of {', '.join(BY_NAME)}", param_hint="SERVICE"
        )
    return PlatformConfig().database_url(spec)


def _run(url: str, action: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = create_engine(url, 1)
        try:
            return await action(engine)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except (OSError, sa_exc.DBAPIError) as exc:
        typer.echo(f"cannot read the outbox at {_without_password(url)}: {exc}", err=True)
        raise typer.Exit(2) from None


def _without_password(url: str) -> str:
    return str(make_url(url).set(password=None))


@app.command("list")
def list_parked(
    service: Service,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document")] = False,
    database: DatabaseUrl = None,
) -> None:
    """Parked rows: id, key, type, error, age and how many later rows of the key wait."""
    rows = _run(database_url(service, database), parked_rows)
    now = datetime.now(UTC)
    if as_json:
        documents = [
            asdict(row)
            | {
                "created_at": row.created_at.isoformat(),
                "parked_at": row.parked_at.isoformat() if row.parked_at else None,
                "age_seconds": round((now - row.created_at).total_seconds()),
            }
            for row in rows
        ]
        typer.echo(json.dumps(documents, indent=2))
        return
    if not rows:
        typer.echo("no parked rows")
        return
    typer.echo(f"{'id':>10}  {'age':>9}  {'waiting':>7}  {'type':<40} key / error")
    for row in rows:
        age = _age((now - row.created_at).total_seconds())
        typer.echo(
            f"{row.id:>10}  {age:>9}  {row.waiting_behind:>7}  {row.ce_type:<40} "
            f"{row.message_key}\n{'':>10}  {row.error}"
        )


@app.command()
def retry(
    service: Service,
    row_id: Annotated[int | None, typer.Argument(metavar="ID", help="the parked row")] = None,
    every: Annotated[bool, typer.Option("--all", help="every parked row")] = False,
    database: DatabaseUrl = None,
) -> None:
    """Send a parked row (or `--all`) back to the relay, e.g. after the cause was fixed."""
    if (row_id is None) == (not every):
        raise typer.BadParameter("give one row id or --all")
    ids = None if every else [row_id] if row_id is not None else []
    unparked = _run(database_url(service, database), lambda e: retry_parked(e, ids))
    if row_id is not None and not unparked:
        typer.echo(f"no parked row {row_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"{len(unparked)} row(s) back to pending: {', '.join(map(str, unparked))}")


@app.command()
def skip(
    service: Service,
    row_id: Annotated[int, typer.Argument(metavar="ID", help="the parked row")],
    reason: Annotated[str, typer.Option(help="why it is never published (kept with the row)")],
    database: DatabaseUrl = None,
) -> None:
    """Give up on a parked row: it is kept, with the reason; later rows of its key flow."""
    if not reason.strip():
        raise typer.BadParameter("a reason is required", param_hint="--reason")
    if not _run(database_url(service, database), lambda e: skip_parked(e, row_id, reason)):
        typer.echo(f"no parked row {row_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"row {row_id} skipped")


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.1f}{unit}"
    return f"{seconds:.0f}s"
