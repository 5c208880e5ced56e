"""What makes a lead marketing- or sales-qualified."""

from __future__ import annotations

from lead_svc.domain.gates import QualificationGates, advances, stage_for
from lead_svc.domain.scoring import Score, ScoreItem

GATES = QualificationGates(mql_min_score=30, sql_min_score=50, sql_min_fit=30)


def score(fit: int, intent: int = 0) -> Score:
    return Score((ScoreItem("fit", fit, "fit"), ScoreItem("intent", intent, "intent")))


def test_below_the_mql_gate_a_lead_is_nurtured() -> None:
    assert stage_for(score(29), GATES) == "new"


def test_at_the_mql_gate_a_lead_is_marketing_qualified() -> None:
    assert stage_for(score(30), GATES) == "marketing_qualified"


def test_at_the_sql_gate_with_enough_fit_a_lead_is_sales_qualified() -> None:
    assert stage_for(score(50), GATES) == "qualified"
    assert stage_for(score(30, intent=20), GATES) == "qualified"


def test_engagement_alone_never_makes_a_lead_sales_qualified() -> None:
    assert stage_for(score(10, intent=60), GATES) == "marketing_qualified"


def test_stages_only_move_forward_by_score() -> None:
    assert advances("new", "qualified")
    assert advances("marketing_qualified", "qualified")
    assert not advances("qualified", "marketing_qualified")
    assert not advances("disqualified", "qualified")
    assert not advances("merged", "qualified")
