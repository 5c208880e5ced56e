"""`l2c handoffs` and `l2c leakage` render what insights-svc answers (fed recorded answers),
and refuse an unknown state or detector before calling anything."""

from __future__ import annotations

from rich.console import Console
from typer.testing import CliRunner

from l2c_platform.cli import build_app
from l2c_platform.cli.watch import show_handoffs, show_leakage

LEAD = "0ba47f71-8ed8-4a11-953c-d27c19b6c8d2"
HANDOFFS = {
    "now": "2026-12-09T08:00:00Z",
    "items": [
        {
            "sla_key": "proposal_to_quote_sent",
            "state": "breached",
            "age_seconds": 3 * 86400 + 3600,
            "overdue_seconds": 2 * 86400 + 3600,
            "owner_team": "sales",
            "owner": "rep-7",
            "lead_id": LEAD,
        }
    ],
    "stages": {
        "proposal_to_quote_sent": {
            "open": 4,
            "at_risk": 1,
            "breached": 2,
            "oldest_age_seconds": 3 * 86400 + 3600,
        }
    },
    "limit": 100,
    "offset": 0,
    "next_offset": None,
}
LEAKAGE = {
    "now": "2026-12-09T08:00:00Z",
    "detectors": {
        "payment_unapplied": {
            "explanation": "Cash received more than three days ago and not applied.",
            "findings": 1,
            "amount_at_risk": {"EUR": "250.00"},
        },
        "discount_without_approval": {"explanation": "…", "findings": 0, "amount_at_risk": {}},
    },
    "items": [
        {
            "detector": "payment_unapplied",
            "amount_at_risk": "250.00",
            "currency": "EUR",
            "age_seconds": 86400,
            "subject": "payment_id=5e0c",
            "journey": f"/journeys/{LEAD}",
        }
    ],
    "limit": 100,
    "offset": 0,
    "next_offset": None,
}


def test_handoffs_show_each_stage_counted_and_each_stuck_hand_off_with_its_age() -> None:
    console = Console(record=True, width=160)
    show_handoffs(HANDOFFS, console)
    text = console.export_text()
    assert "proposal_to_quote_sent" in text
    assert "3d 01h" in text  # age of the oldest, and of the hand-off
    assert "2d 01h" in text  # past due
    assert LEAD in text and "sales" in text


def test_leakage_shows_the_amounts_at_risk_per_detector_exactly() -> None:
    console = Console(record=True, width=160)
    show_leakage(LEAKAGE, console)
    text = console.export_text()
    assert "250.00 EUR" in text
    assert f"/journeys/{LEAD}" in text
    assert "discount_without_approval" in text


def test_an_unknown_state_or_detector_is_refused() -> None:
    runner = CliRunner()
    bad_state = runner.invoke(build_app(), ["handoffs", "--state", "sideways"])
    assert bad_state.exit_code == 2 and "at_risk" in bad_state.output
    bad_detector = runner.invoke(build_app(), ["leakage", "--detector", "nope"])
    assert bad_detector.exit_code == 2
