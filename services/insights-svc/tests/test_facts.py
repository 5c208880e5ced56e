"""Facts taken from real event models."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from insights_svc.domain.facts import fact_of, trace_id_of
from l2c_schemas.deal import DealClosed
from l2c_schemas.lead import LeadAssigned
from l2c_schemas.money import Money

LEAD, ACCOUNT, OPP = UUID(int=1), UUID(int=2), UUID(int=3)
ENVELOPE = datetime(2026, 3, 1, 12, tzinfo=UTC)
TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_trace_id() -> None:
    assert trace_id_of(TRACE) == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert trace_id_of("00-" + "0" * 32 + "-00f067aa0ba902b7-01") is None
    assert trace_id_of("garbage") is None
    assert trace_id_of(None) is None


def test_assignment_time_owner_and_actor() -> None:
    event = LeadAssigned(
        lead_id=LEAD,
        team="emea",
        owner_id="rep-7",
        routing_rule="country",
        reason="routing",
        actor="manager-1",
        first_contact_due_at=datetime(2026, 3, 2, tzinfo=UTC),
        assigned_at=datetime(2026, 3, 1, 9, tzinfo=UTC),
    )
    fact = fact_of(event, "e1", ENVELOPE, TRACE)
    assert fact.stage == "LeadAssigned"
    assert fact.occurred_at == datetime(2026, 3, 1, 9, tzinfo=UTC)  # not the due time
    assert (fact.owner, fact.actor) == ("rep-7", "manager-1")
    assert fact.detail == {"team": "emea", "reason": "routing"}
    assert fact.trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"


def test_deal_closed_ids_amounts_and_outcome() -> None:
    event = DealClosed(
        lead_id=LEAD,
        account_id=ACCOUNT,
        opportunity_id=OPP,
        outcome="won",
        reason="best fit",
        amount=Money.of("1234.50", "EUR"),
        closed_at=datetime(2026, 3, 5, tzinfo=UTC),
    )
    fact = fact_of(event, "e2", ENVELOPE, None)
    assert fact.ids == {"opportunity_id": str(OPP)}
    assert fact.amounts == {"amount": "1234.50"}
    assert fact.detail == {"outcome": "won", "reason": "best fit", "currency": "EUR"}
    assert (fact.account_id, fact.trace_id) == (ACCOUNT, None)
