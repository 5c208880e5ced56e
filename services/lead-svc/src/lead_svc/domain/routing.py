"""Lead routing: which team gets a lead (territory, segment, product interest) and which rep
in the team (round-robin weighted by capacity), plus the first-contact deadline. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

REGIONS: dict[str, frozenset[str]] = {
    "NA": frozenset({"US", "CA", "MX"}),
    "LATAM": frozenset({"BR", "AR", "CL", "CO", "PE", "UY"}),
    "APAC": frozenset({"AU", "NZ", "JP", "CN", "IN", "SG", "KR", "HK", "TW", "ID", "MY"}),
}
"""Countries outside these regions are EMEA (the default territory)."""

Segment = Literal["smb", "mid_market", "enterprise"]
BreachPolicy = Literal["escalate", "reassign"]
DEFAULT_SLA_MINUTES = 120


def region_of(country: str | None) -> str | None:
    """`DE` → `EMEA`, `US` → `NA`; None when the country is unknown."""
    if country is None:
        return None
    for region, countries in REGIONS.items():
        if country in countries:
            return region
    return "EMEA"


def segment_of(employees: int | None) -> Segment:
    """Company size segment: enterprise 1000+, mid-market 200-999, else SMB."""
    if employees is not None and employees >= 1000:
        return "enterprise"
    if employees is not None and employees >= 200:
        return "mid_market"
    return "smb"


@dataclass(frozen=True)
class RoutingRule:
    """Sends matching leads to `team`. An empty criterion matches everything; rules are
    tried by ascending `priority`, the first match wins."""

    name: str
    team: str
    priority: int = 100
    countries: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    segments: frozenset[str] = frozenset()
    product_interests: frozenset[str] = frozenset()
    sla_minutes: int = DEFAULT_SLA_MINUTES
    breach_policy: BreachPolicy = "escalate"
    escalate_to: str | None = None


@dataclass(frozen=True)
class LeadFacts:
    country: str | None
    employees: int | None
    product_interest: str | None


def rule_matches(rule: RoutingRule, lead: LeadFacts) -> bool:
    if rule.countries and lead.country not in rule.countries:
        return False
    if rule.regions and region_of(lead.country) not in rule.regions:
        return False
    if rule.segments and segment_of(lead.employees) not in rule.segments:
        return False
    interest = (lead.product_interest or "").lower()
    return not rule.product_interests or interest in {p.lower() for p in rule.product_interests}


def choose_rule(rules: Sequence[RoutingRule], lead: LeadFacts) -> RoutingRule | None:
    """The first matching rule by priority (then name, so ties are deterministic)."""
    for rule in sorted(rules, key=lambda r: (r.priority, r.name)):
        if rule_matches(rule, lead):
            return rule
    return None


@dataclass(frozen=True)
class Rep:
    rep_id: str
    capacity: int
    """Relative share of new leads: a rep with capacity 2 gets twice as many as one with 1."""
    credit: int = 0
    """Round-robin state (smooth weighted round-robin), 0 for a rep new to the rotation."""


@dataclass(frozen=True)
class Rotation:
    chosen: str
    reps: tuple[Rep, ...] = field(default_factory=tuple)


def next_in_rotation(reps: Sequence[Rep], exclude: str | None = None) -> Rotation | None:
    """Smooth weighted round-robin (as in nginx): every rep earns its capacity in credit, the
    rep with the most credit gets the lead and pays the total capacity back. Over any run of
    leads each rep's share stays within one lead of capacity/total. `exclude` skips a rep
    (the one who just breached an SLA). None when nobody can take the lead."""
    eligible = [r for r in reps if r.capacity > 0 and r.rep_id != exclude]
    if not eligible:
        return None
    total = sum(r.capacity for r in eligible)
    earned = {r.rep_id: r.credit + r.capacity for r in eligible}
    # Most credit wins; a tie goes to the rep whose id sorts first (stable, explainable).
    chosen = min(eligible, key=lambda r: (-earned[r.rep_id], r.rep_id))
    updated = tuple(
        Rep(
            r.rep_id,
            r.capacity,
            earned[r.rep_id] - (total if r.rep_id == chosen.rep_id else 0)
            if r.rep_id in earned
            else r.credit,
        )
        for r in reps
    )
    return Rotation(chosen.rep_id, updated)


def first_contact_due(assigned_at: datetime, rule: RoutingRule) -> datetime:
    return assigned_at + timedelta(minutes=rule.sla_minutes)
