"""`l2c`: one command for the people who run the platform.

Each command group lives in its own module of this package and is registered in `build_app`,
so a new group is one module and one line here."""

from __future__ import annotations

import asyncio
import contextlib

import typer

from l2c_platform.cli import (
    clock,
    dlq,
    forecast,
    insights,
    outbox,
    statements,
    token,
    topics,
    verify,
    watch,
)


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="l2c",
        help="Operate L2C: tokens, outboxes, dead letters, the clock, journeys and metrics.",
        no_args_is_help=True,
        add_completion=False,
    )
    # Command groups, one module each.
    app.add_typer(clock.app, name="clock")
    app.add_typer(outbox.app, name="outbox")
    app.add_typer(dlq.app, name="dlq")
    app.command(name="topics")(topics.topics)
    app.command(name="demo")(demo)
    app.add_typer(statements.app, name="statements")
    app.command(name="token")(token.token)
    app.command(name="journey")(insights.journey)
    app.command(name="metrics")(insights.metrics)
    app.command(name="forecast")(forecast.forecast)
    app.add_typer(insights.app, name="insights")
    app.command(name="handoffs")(watch.handoffs)
    app.command(name="leakage")(watch.leakage)
    app.command(name="verify")(verify.verify_command)
    return app


def demo(
    exit_at_end: bool = typer.Option(
        False, "--exit", help="stop the platform once the journey is paid (default: keep it up)"
    ),
) -> None:
    """Start the platform and take one lead to cash, with its journey, metrics and dashboard
    link at the end: `l2c demo` (what `make demo` runs)."""
    from l2c_platform.demo import run_demo  # the launcher is heavy; only this command needs it

    with contextlib.suppress(KeyboardInterrupt):
        raise SystemExit(asyncio.run(run_demo(not exit_at_end)))


def main() -> None:
    build_app()()
