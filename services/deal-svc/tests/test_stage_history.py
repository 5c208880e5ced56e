"""Time in stage: when a deal entered and left each stage, and how long it stayed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from deal_svc.domain.stage_history import StageEntry, stage_visits, time_in_stages

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
