"""Time in stage: when a deal entered and left each stage, and how long it stayed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from deal_svc.domain.stage_history import (
    ClosedDeal,
    StageEntry,
    Velocity,
    stage_visits,
    time_in_stages,
    velocity,
)

CLOSED = frozenset({"closed_won", "closed_lost"})
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_each_visit_ends_when_the_next_begins_and_the_current_one_lasts_until_now() -> None:
    entries = [
        StageEntry("qualification", at(0)),
        StageEntry("discovery", at(2)),
        StageEntry("proposal", at(26)),
    ]
    visits = stage_visits(entries, now=at(30), closed_stages=CLOSED)
    assert [(v.stage, v.left_at, v.time_in_stage) for v in visits] == [
        ("qualification", at(2), timedelta(hours=2)),
        ("discovery", at(26), timedelta(hours=24)),
        ("proposal", None, timedelta(hours=4)),
    ]


def test_a_closed_deal_does_not_wait_in_its_closing_stage() -> None:
    entries = [StageEntry("proposal", at(0)), StageEntry("closed_won", at(5))]
    visits = stage_visits(entries, now=at(100), closed_stages=CLOSED)
    assert visits[-1].time_in_stage is None
    assert time_in_stages(visits) == {"proposal": timedelta(hours=5)}


def test_time_in_a_revisited_stage_adds_up() -> None:
    entries = [
        StageEntry("discovery", at(0)),
        StageEntry("proposal", at(3)),
        StageEntry("discovery", at(4)),
        StageEntry("proposal", at(10)),
    ]
    totals = time_in_stages(stage_visits(entries, now=at(12), closed_stages=CLOSED))
    assert totals == {"discovery": timedelta(hours=9), "proposal": timedelta(hours=3)}


def test_moves_within_the_same_instant_keep_their_recorded_order() -> None:
    entries = [StageEntry("discovery", at(1)), StageEntry("proposal", at(1))]
    visits = stage_visits(entries, now=at(2), closed_stages=CLOSED)
    assert [(v.stage, v.time_in_stage) for v in visits] == [
        ("discovery", timedelta(0)),
        ("proposal", timedelta(hours=1)),
    ]


def closed(won: bool, stays: list[tuple[str, float]], closing_at: float) -> ClosedDeal:
    """A deal entering each (stage, hour) in turn and closing at `closing_at` hours."""
    entries = [StageEntry(stage, at(hour)) for stage, hour in stays]
    entries.append(StageEntry("closed_won" if won else "closed_lost", at(closing_at)))
    return ClosedDeal(won, at(stays[0][1]), at(closing_at), stage_visits(entries, at(999), CLOSED))


def test_velocity_counts_the_win_rate_the_won_cycle_and_average_time_per_stage() -> None:
    deals = [
        closed(True, [("qualification", 0), ("proposal", 10)], 30),  # 10 h, 20 h; cycle 30 h
        closed(True, [("qualification", 0), ("proposal", 20)], 50),  # 20 h, 30 h; cycle 50 h
        closed(False, [("qualification", 0)], 6),  # 6 h in qualification, lost
    ]
    result = velocity(deals)
    assert (result.won, result.lost, result.win_rate_percent) == (2, 1, Decimal("66.7"))
    assert result.average_cycle == timedelta(hours=40)
    assert result.average_time_in_stage == {
        "qualification": timedelta(hours=12),  # (10 + 20 + 6) / 3
        "proposal": timedelta(hours=25),  # (20 + 30) / 2
    }


def test_velocity_of_nothing_closed_has_no_rate_and_no_cycle() -> None:
    assert velocity([]) == Velocity(0, 0, None, None, {})
    only_lost = velocity([closed(False, [("discovery", 0)], 4)])
    assert (only_lost.win_rate_percent, only_lost.average_cycle) == (Decimal("0.0"), None)
