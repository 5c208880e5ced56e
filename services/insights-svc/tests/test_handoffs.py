"""Hand-offs of SLA definitions over facts whose states are worked out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from insights_svc.domain.facts import Fact
from insights_svc.domain.handoffs import (
    InvalidDefinition,
    SlaDefinition,
    due_announcements,
    handoff_id,
    handoffs,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
H = timedelta(hours=1)
A, B = UUID(int=1), UUID(int=2)
Q1, Q2 = "00000000-0000-0000-0000-0000000000a1", "00000000-0000-0000-0000-0000000000a2"

QUOTE_TO_CONTRACT = SlaDefinition(
    "quote_accepted_to_contract_drafted",
    "QuoteAccepted",
    ("ContractDrafted",),
    24 * 3600,
    "deal-desk",
    correlate_by="quote_id",
    applies_from=T0,
)
QUALIFIED_TO_ASSIGNED = SlaDefinition(
    "lead_qualified_to_assigned", "LeadQualified", ("LeadAssigned",), 2 * 3600, "sales-ops"
)


def fact(lead: UUID, stage: str, at: datetime, **ids: str) -> Fact:
    return Fact(
        event_id=f"{lead.int}-{stage}-{at.isoformat()}",
        stage=stage,
        lead_id=lead,
        account_id=None,
        occurred_at=at,
        owner="ana",
        ids=dict(ids),
        detail={"currency": "EUR"},
    )


FACTS = [
    # A: quote 1 accepted at T0, drafted at T0 + 5 h (met); quote 2 accepted at T0 + 1 h, never
    # drafted (due T0 + 25 h).
    fact(A, "QuoteAccepted", T0, quote_id=Q1),
    fact(A, "QuoteAccepted", T0 + H, quote_id=Q2),
    fact(A, "ContractDrafted", T0 + 5 * H, quote_id=Q1),
    # B: qualified at T0, assigned at T0 + 3 h: late by an hour.
    fact(B, "LeadQualified", T0),
    fact(B, "LeadAssigned", T0 + 3 * H),
    # A drafted before anything was accepted: no hand-off starts from an end.
    fact(A, "ContractDrafted", T0 - H, quote_id=Q2),
]


def test_one_handoff_per_correlating_id_ended_by_its_own_event() -> None:
    found = {h.subject_id: h for h in handoffs(QUOTE_TO_CONTRACT, FACTS)}
    assert set(found) == {Q1, Q2}
    assert found[Q1].ended_at == T0 + 5 * H
    assert found[Q1].state(T0 + 6 * H) == "met"
    assert found[Q2].ended_at is None  # the draft of Q2 came before its acceptance
    assert found[Q2].due_at == T0 + 25 * H
    # at risk from 80 % of 24 h = 19 h 12 min after its start
    assert found[Q2].state(T0 + H + timedelta(hours=19, minutes=11)) == "open"
    assert found[Q2].state(T0 + H + timedelta(hours=19, minutes=12)) == "at_risk"
    assert found[Q2].state(T0 + 25 * H) == "breached"
    assert found[Q2].elapsed_seconds(T0 + 26 * H) == 25 * 3600
    assert found[Q2].handoff_id == handoff_id(QUOTE_TO_CONTRACT.key, A, Q2)


def test_a_late_end_is_late_and_the_lead_is_the_correlation_without_an_id() -> None:
    [late] = handoffs(QUALIFIED_TO_ASSIGNED, FACTS)
    assert late.lead_id == B and late.subject_id is None
    assert late.state(T0 + 10 * H) == "late"
    assert late.elapsed_seconds(T0 + 10 * H) == 3 * 3600


def test_hand_offs_that_started_before_the_sla_applies_are_not_watched() -> None:
    at_start = replace(QUOTE_TO_CONTRACT, applies_from=T0)
    assert {h.subject_id for h in handoffs(at_start, FACTS)} == {Q1, Q2}
    after = replace(QUOTE_TO_CONTRACT, applies_from=T0 + timedelta(minutes=30))
    assert {h.subject_id for h in handoffs(after, FACTS)} == {Q2}


def test_filters_choose_the_start_events() -> None:
    euro = replace(QUOTE_TO_CONTRACT, filters={"currency": "EUR"})
    dollar = replace(QUOTE_TO_CONTRACT, filters={"currency": "USD"})
    assert len(handoffs(euro, FACTS)) == 2
    assert handoffs(dollar, FACTS) == []


def test_each_outcome_is_announced_once() -> None:
    found = handoffs(QUOTE_TO_CONTRACT, FACTS) + handoffs(QUALIFIED_TO_ASSIGNED, FACTS)
    now = T0 + 26 * H
    due = {(h.sla.key, h.subject_id, kind) for h, kind in due_announcements(found, now, {})}
    assert due == {
        (QUOTE_TO_CONTRACT.key, Q1, "met"),
        (QUOTE_TO_CONTRACT.key, Q2, "breached"),
        (QUALIFIED_TO_ASSIGNED.key, None, "breached"),  # ended late, never announced
    }
    done = {h.handoff_id: {"met", "breached"} for h in found}
    assert due_announcements(found, now, done) == []
    # Before Q2 is due, nothing of it is announced.
    early = {(h.subject_id, kind) for h, kind in due_announcements(found, T0 + 6 * H, {})}
    assert (Q2, "breached") not in early


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"key": "Bad Key"}, "key"),
        ({"from_stage": "ContractDrafted"}, "cannot end"),
        ({"duration_seconds": 10}, "duration_seconds"),
        ({"at_risk_percent": 100}, "at_risk_percent"),
        ({"correlate_by": "email"}, "correlate_by"),
        ({"filters": {"contact_email": "x"}}, "filters"),
        ({"to_stages": ()}, "to_stages"),
    ],
)
def test_invalid_definitions_are_refused_with_the_reason(
    change: dict[str, object], reason: str
) -> None:
    with pytest.raises(InvalidDefinition, match=reason):
        replace(QUOTE_TO_CONTRACT, **change).validate()  # type: ignore[arg-type]
    QUOTE_TO_CONTRACT.validate()
