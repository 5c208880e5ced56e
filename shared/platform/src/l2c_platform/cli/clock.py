"""`l2c clock`: show or advance the platform's simulated clock (services run with
L2C_CLOCK=simulated)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from l2c_runtime.clock_follower import advance_platform_clock, current_offset

app = typer.Typer(help="Show or advance the simulated clock.", no_args_is_help=True)

Bootstrap = Annotated[str, typer.Option(envvar="KAFKA_BOOTSTRAP", help="Kafka bootstrap servers")]


def _print(offset: timedelta) -> None:
    typer.echo(f"simulated now {(datetime.now(UTC) + offset).isoformat()} (offset {offset})")


@app.command()
def show(bootstrap: Bootstrap = "127.0.0.1:9092") -> None:
    """Print the simulated time and its offset from the wall clock."""
    _print(asyncio.run(current_offset(bootstrap)))


@app.command()
def advance(
    days: float = 0,
    hours: float = 0,
    minutes: float = 0,
    bootstrap: Bootstrap = "127.0.0.1:9092",
) -> None:
    """Move simulated time forward: `l2c clock advance --days 90` runs three billing cycles."""
    delta = timedelta(days=days, hours=hours, minutes=minutes)
    _print(asyncio.run(advance_platform_clock(bootstrap, delta)))
