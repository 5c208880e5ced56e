"""Territory, segment and product routing; capacity-weighted round-robin; SLA deadlines."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from lead_svc.domain.routing import (
    LeadFacts,
    Rep,
    RoutingRule,
    choose_rule,
    first_contact_due,
    next_in_rotation,
    region_of,
    segment_of,
)

DACH = frozenset({"DE", "AT", "CH"})
RULES = [
    RoutingRule("catch-all", "inbound", priority=1000),
    RoutingRule(
        "dach enterprise", "dach-ent", 10, countries=DACH, segments=frozenset({"enterprise"})
    ),
    RoutingRule("na", "na-team", priority=50, regions=frozenset({"NA"})),
    RoutingRule("analytics", "analytics", 5, product_interests=frozenset({"Analytics"})),
]


def test_regions_and_segments() -> None:
    assert (region_of("US"), region_of("DE"), region_of("JP"), region_of(None)) == (
        "NA",
        "EMEA",
        "APAC",
        None,
    )
    assert (segment_of(None), segment_of(199), segment_of(200), segment_of(1000)) == (
        "smb",
        "smb",
        "mid_market",
        "enterprise",
    )


def test_the_first_matching_rule_by_priority_wins() -> None:
    assert choose_rule(RULES, LeadFacts("DE", 5000, None)).team == "dach-ent"  # type: ignore[union-attr]
    assert choose_rule(RULES, LeadFacts("DE", 50, None)).team == "inbound"  # type: ignore[union-attr]
    assert choose_rule(RULES, LeadFacts("US", 50, None)).team == "na-team"  # type: ignore[union-attr]
    assert choose_rule(RULES, LeadFacts("US", 50, "analytics")).team == "analytics"  # type: ignore[union-attr]


def test_no_rule_matches_without_a_catch_all() -> None:
    assert choose_rule(RULES[1:], LeadFacts("FR", 10, None)) is None


def test_the_first_contact_is_due_two_hours_after_assignment_by_default() -> None:
    at = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    assert first_contact_due(at, RULES[0]) == datetime(2026, 11, 26, 11, 0, tzinfo=UTC)


def _deal(reps: list[Rep], n: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    current = tuple(reps)
    for _ in range(n):
        rotation = next_in_rotation(current)
        assert rotation is not None
        counts[rotation.chosen] += 1
        current = rotation.reps
    return counts


def test_round_robin_by_hand_five_one_one() -> None:
    reps = (Rep("a", 5), Rep("b", 1), Rep("c", 1))
    order = []
    for _ in range(7):
        rotation = next_in_rotation(reps)
        assert rotation is not None
        order.append(rotation.chosen)
        reps = rotation.reps
    assert "".join(order) == "aabacaa"  # smooth: b and c are not starved to the end


def test_a_rep_with_no_capacity_or_excluded_gets_nothing() -> None:
    reps = (Rep("a", 0), Rep("b", 1))
    assert next_in_rotation(reps).chosen == "b"  # type: ignore[union-attr]
    assert next_in_rotation(reps, exclude="b") is None
    assert next_in_rotation(()) is None


@given(
    st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=6),
    st.integers(min_value=1, max_value=300),
)
def test_round_robin_is_fair_over_any_number_of_leads(capacities: list[int], n: int) -> None:
    reps = [Rep(f"rep-{i}", c) for i, c in enumerate(capacities)]
    counts = _deal(reps, n)
    total = sum(capacities)
    for rep in reps:
        fair_share = n * rep.capacity / total
        assert abs(counts[rep.rep_id] - fair_share) < 1
