"""A deal's path through the pipeline: when it entered and left each stage, and how long it
stayed (the raw material of sales-velocity metrics)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class StageEntry:
    """The deal entered `stage` at `entered_at` (one row of the stage history)."""

    stage: str
    entered_at: datetime


@dataclass(frozen=True)
class StageVisit:
    stage: str
    entered_at: datetime
    left_at: datetime | None
    """None while the deal is still in the stage."""
    time_in_stage: timedelta | None
    """None for the closing stage: a closed deal does not wait anywhere."""


def stage_visits(
    entries: Sequence[StageEntry], now: datetime, closed_stages: frozenset[str]
) -> list[StageVisit]:
    """Each stay in a stage, in order: a visit ends when the next one starts; the current
    open stage's visit lasts until `now`."""
    ordered = sorted(entries, key=lambda e: e.entered_at)
    visits = []
    for entry, following in zip(ordered, [*ordered[1:], None], strict=True):
        left_at = following.entered_at if following else None
        if entry.stage in closed_stages and left_at is None:
            duration = None
        else:
            duration = (left_at or now) - entry.entered_at
        visits.append(StageVisit(entry.stage, entry.entered_at, left_at, duration))
    return visits


def time_in_stages(visits: Sequence[StageVisit]) -> dict[str, timedelta]:
    """Total time spent in each stage, revisits added up, in order of first visit."""
    totals: dict[str, timedelta] = {}
    for visit in visits:
        if visit.time_in_stage is not None:
            totals[visit.stage] = totals.get(visit.stage, timedelta(0)) + visit.time_in_stage
    return totals


@dataclass(frozen=True)
class ClosedDeal:
    """A closed deal as the velocity metrics see it."""

    won: bool
    opened_at: datetime
    closed_at: datetime
    visits: Sequence[StageVisit]


@dataclass(frozen=True)
class Velocity:
    won: int
    lost: int
    win_rate_percent: Decimal | None
    """Won of all closed, 0.1 % half-up; None when nothing closed."""
    average_cycle: timedelta | None
    """Opening to closing, over won deals."""
    average_time_in_stage: dict[str, timedelta]
    """Per stage, over the closed deals that passed through it."""


def velocity(deals: Sequence[ClosedDeal]) -> Velocity:
    """How fast and how well closed deals went: win rate, the won deals' average cycle and
    the average time a deal spent in each stage it passed through (revisits added up)."""
    won = [d for d in deals if d.won]
    rate = (
        (Decimal(100) * len(won) / len(deals)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        if deals
        else None
    )
    cycle = sum((d.closed_at - d.opened_at for d in won), timedelta(0)) / len(won) if won else None
    spent: dict[str, list[timedelta]] = {}
    for deal in deals:
        for stage, time in time_in_stages(deal.visits).items():
            spent.setdefault(stage, []).append(time)
    averages = {stage: sum(times, timedelta(0)) / len(times) for stage, times in spent.items()}
    return Velocity(len(won), len(deals) - len(won), rate, cycle, averages)
