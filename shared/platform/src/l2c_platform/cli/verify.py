"""`l2c verify`: check the whole platform's invariants (see `l2c_platform.invariants`) and exit
non-zero naming each violation. Reads every service's database as the administrator of the
database server (L2C_PG_URL) and the dead-letter topics (KAFKA_BOOTSTRAP, with the
administrator's credentials). See docs/fault-testing.md."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Annotated

import typer
from asyncpg import PostgresError

from l2c_platform.invariants import DeadLetterAllowance, Report, verify
from l2c_platform.launcher import PlatformConfig
from l2c_platform.platform_state import Scope, read_platform_state


def _check(config: PlatformConfig, scope: Scope, allowed: DeadLetterAllowance) -> Report:
    return verify(asyncio.run(read_platform_state(config, scope)), allowed)


def verify_command(
    run: Annotated[
        str | None,
        typer.Option(help="only the journeys of this load run (external refs journey:RUN:…)"),
    ] = None,
    allow_dead_letters: Annotated[
        int, typer.Option(min=0, help="this many dead letters are expected (injected poison)")
    ] = 0,
    dead_letter_type: Annotated[
        list[str] | None,
        typer.Option(help="only dead letters of this CloudEvents or error type are expected"),
    ] = None,
    database_prefix: Annotated[
        str, typer.Option(help="the services' databases are PREFIX<lead|deal|…>")
    ] = "l2c_",
    group_suffix: Annotated[
        str, typer.Option(help="the services' consumer groups are <service>SUFFIX")
    ] = "",
    wait: Annotated[
        float,
        typer.Option(min=0, max=3600, help="check again until clean or this many seconds passed"),
    ] = 0.0,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document")] = False,
) -> None:
    """Check the platform: journeys paid exactly once, one invoice per period, balances,
    outboxes, dead letters. Exit 1 when anything is violated."""
    config = PlatformConfig(database_prefix=database_prefix, group_suffix=group_suffix)
    allowed = DeadLetterAllowance(allow_dead_letters, frozenset(dead_letter_type or ()))
    deadline = time.monotonic() + wait
    try:
        report = _check(config, Scope(run), allowed)
        while not report.ok and time.monotonic() < deadline:
            time.sleep(1.0)
            report = _check(config, Scope(run), allowed)
    except (OSError, PostgresError) as exc:
        typer.echo(f"cannot read the platform's state: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        typer.echo(
            f"{report.journeys} journeys, {report.lost} lost, {report.doubled} doubled; "
            f"{len(report.violations)} violation(s)"
        )
        for violation in report.violations:
            typer.echo(f"  {violation}")
    if not report.ok:
        raise typer.Exit(1)
