"""Scores by hand: fit rules, engagement with time decay, and the explanation of each score."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from lead_svc.domain.scoring import (
    ACTIVITY_KINDS,
    DEFAULT_RULES,
    Activity,
    FitRule,
    Prospect,
    ScoringRules,
    decayed_points,
    rules_from_document,
    rules_to_document,
    score_lead,
)

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DEMO = Prospect(
    email="ada@engines.example",
    company="Analytical Engines Ltd",
    country="GB",
    employees=450,
    title="VP Finance",
    source="demo_request",
)


def test_the_demo_lead_scores_80_from_four_fit_rules() -> None:
    score = score_lead(DEMO, [], DEFAULT_RULES, NOW)
    assert [(i.rule, i.points) for i in score.items] == [
        ("mid-market company (200-999 employees)", 30),
        ("senior decision maker", 20),
        ("business e-mail domain", 10),
        ("high-intent source", 20),
    ]
    assert (score.total, score.fit, score.intent) == (80, 80, 0)


def test_a_student_at_a_free_mail_address_scores_nothing() -> None:
    student = Prospect(email="kid@gmail.com", company="Uni", title="Student", employees=5)
    assert score_lead(student, [], DEFAULT_RULES, NOW).total == 0


def test_titles_match_whole_words_only() -> None:
    forehead = Prospect(email="a@x.example", company="X", title="Forehead Specialist")
    head_of = Prospect(email="a@x.example", company="X", title="Head of Sales")
    rules = ScoringRules(fit=(FitRule("senior", "title", 20, keywords=("head",)),), intent=())
    assert score_lead(forehead, [], rules, NOW).total == 0
    assert score_lead(head_of, [], rules, NOW).total == 20


def test_industry_and_country_rules_match_case_insensitively() -> None:
    rules = ScoringRules(
        fit=(
            FitRule("target industry", "industry", 15, any_of=("Fintech", "Insurance")),
            FitRule("core market", "country", 5, any_of=("GB", "DE")),
        ),
        intent=(),
    )
    lead = Prospect(email="a@x.example", company="X", industry="fintech", country="DE")
    assert score_lead(lead, [], rules, NOW).total == 20


def test_an_engagement_today_counts_in_full() -> None:
    score = score_lead(DEMO, [Activity("webinar_attended", NOW)], DEFAULT_RULES, NOW)
    assert score.items[-1].rule == "engagement: webinar attended"
    assert (score.intent, score.total) == (15, 95)


def test_an_engagement_loses_half_its_points_every_fourteen_days() -> None:
    webinar = [Activity("webinar_attended", NOW - timedelta(days=14))]
    assert score_lead(DEMO, webinar, DEFAULT_RULES, NOW).intent == 8  # 7.5 rounds half up
    old = [Activity("webinar_attended", NOW - timedelta(days=28))]
    assert score_lead(DEMO, old, DEFAULT_RULES, NOW).intent == 4  # 3.75


def test_decay_by_hand() -> None:
    assert decayed_points(10, Decimal(0), 14) == Decimal("10.0000")
    assert decayed_points(10, Decimal(7), 14) == Decimal("7.0711")
    assert decayed_points(10, Decimal(-3), 14) == Decimal("10.0000")  # from the future: new


def test_engagement_of_one_kind_is_capped() -> None:
    views = [Activity("page_view", NOW)] * 8  # 8 × 2 = 16, capped at 10
    score = score_lead(DEMO, views, DEFAULT_RULES, NOW)
    assert score.intent == 10
    assert score.engagement == {"page_view": 8}


def test_unknown_activity_kinds_score_nothing() -> None:
    assert score_lead(DEMO, [Activity("tweet", NOW)], DEFAULT_RULES, NOW).intent == 0


def test_every_score_is_the_sum_of_its_explained_items() -> None:
    activities = [Activity("pricing_page_visit", NOW), Activity("email_click", NOW)]
    score = score_lead(DEMO, activities, DEFAULT_RULES, NOW)
    assert score.total == sum(item.points for item in score.items) == 80 + 10 + 3
    assert "engagement: pricing page visit (+10)" in score.reasons


def test_a_rule_set_survives_its_json_document() -> None:
    document = rules_to_document(DEFAULT_RULES)
    assert rules_from_document(document, version=0) == DEFAULT_RULES


activities = st.lists(
    st.builds(
        Activity,
        kind=st.sampled_from(ACTIVITY_KINDS),
        occurred_at=st.datetimes(
            min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
        ),
    ),
    max_size=40,
)


@given(activities, st.randoms())
def test_a_score_never_depends_on_the_order_of_events(
    events: list[Activity], shuffler: random.Random
) -> None:
    shuffled = list(events)
    shuffler.shuffle(shuffled)
    assert score_lead(DEMO, events, DEFAULT_RULES, NOW) == score_lead(
        DEMO, shuffled, DEFAULT_RULES, NOW
    )


@given(activities, st.integers(min_value=0, max_value=400))
def test_the_same_engagement_never_scores_more_later(events: list[Activity], days: int) -> None:
    later = NOW + timedelta(days=days)
    assert score_lead(DEMO, events, DEFAULT_RULES, later).intent <= (
        score_lead(DEMO, events, DEFAULT_RULES, NOW).intent
    )
