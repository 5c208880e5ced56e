"""`l2c verify`: check the whole platform's invariants (see `l2c_platform.invariants`) and exit
non-zero naming each violation. Reads every service's database as the administrator of the
database server (L2C_PG_URL) and the dead-letter topics (KAFKA_BOOTSTRAP, with the
administrator's credentials). See docs/fault-testing.md."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict
from typing import Annotated
from uuid import UUID

import typer
from asyncpg import PostgresError

from l2c_platform.erasure_scan import ErasureReport, scan_for_person
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
    erasure: Annotated[
        UUID | None,
        typer.Option(
            help="instead: check that this erased lead's person is nowhere (give --email, --name)"
        ),
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="with --erasure: the person's e-mail address")
    ] = None,
    name: Annotated[str | None, typer.Option(help="with --erasure: the person's name")] = None,
) -> None:
    """Check the platform: journeys paid exactly once, one invoice per period, balances,
    outboxes, dead letters. Exit 1 when anything is violated.

    With `--erasure <lead_id> --email ada@example.com --name "Ada Lovelace"`: check that the
    lead is erased and that no service's database still holds the person's e-mail or name
    (L2C no longer knows them: give them from the erasure request)."""
    config = PlatformConfig(database_prefix=database_prefix, group_suffix=group_suffix)
    if erasure is not None:
        _verify_erasure(config, erasure, email, name, as_json)
        return
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


def _verify_erasure(
    config: PlatformConfig, lead_id: UUID, email: str | None, name: str | None, as_json: bool
) -> None:
    needles = {k: v.strip() for k, v in (("e-mail", email), ("name", name)) if v and v.strip()}
    if not needles:
        raise typer.BadParameter("give the person's --email and/or --name", param_hint="--erasure")
    try:
        report: ErasureReport = asyncio.run(scan_for_person(config, lead_id, needles))
    except (OSError, PostgresError) as exc:
        typer.echo(f"cannot read the platform's databases: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "lead_id": str(lead_id),
                    "erased": report.erased,
                    "remnants": [asdict(r) for r in report.remnants],
                    "ok": report.ok,
                },
                indent=2,
            )
        )
    else:
        typer.echo(f"lead {lead_id}: {'erased' if report.erased else 'NOT erased'} in lead-svc")
        for r in report.remnants:
            typer.echo(f"  {r.service} {r.table}.{r.column}: the {r.found} in {r.rows} row(s)")
        typer.echo(f"{len(report.remnants)} place(s) still hold the person")
    if not report.ok:
        raise typer.Exit(1)
