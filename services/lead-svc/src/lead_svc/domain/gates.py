"""Stage gates: what makes a lead marketing-qualified (MQL) and sales-qualified (SQL).

A lead below the MQL gate is nurtured (`new`). An MQL is routed to sales for a first
contact. An SQL is handed to sales as LeadQualified, which opens an opportunity. The SQL gate
also asks for a minimum *fit*, so engagement alone (a student reading every blog post)
never makes a lead sales-qualified.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lead_svc.domain.scoring import Score

Stage = Literal["new", "marketing_qualified", "qualified"]

DISQUALIFICATION_REASONS: dict[str, Literal["invalid", "duplicate", "manual"]] = {
    "no_budget": "manual",
    "no_authority": "manual",
    "no_need": "manual",
    "bad_timing": "manual",
    "competitor": "manual",
    "not_a_fit": "manual",
    "unresponsive": "manual",
    "student_or_job_seeker": "manual",
    "spam": "invalid",
    "invalid_contact": "invalid",
    "duplicate": "duplicate",
}
"""Reason codes a person may give, and the coarse reason LeadDisqualified carries."""


@dataclass(frozen=True)
class QualificationGates:
    mql_min_score: int = 30
    sql_min_score: int = 50
    sql_min_fit: int = 30
    version: int = 0


def stage_for(score: Score, gates: QualificationGates) -> Stage:
    """The highest stage whose gate the score passes."""
    if score.total >= gates.sql_min_score and score.fit >= gates.sql_min_fit:
        return "qualified"
    if score.total >= gates.mql_min_score:
        return "marketing_qualified"
    return "new"


STAGE_RANK = {"new": 0, "marketing_qualified": 1, "qualified": 2}


def advances(current: str, reached: Stage) -> bool:
    """Stages only move forward by score; going back is a human decision (recycle)."""
    return current in STAGE_RANK and STAGE_RANK[reached] > STAGE_RANK[current]
