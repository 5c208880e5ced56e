"""A lead's journey assembled from its facts: the timeline and its milestones (first time each
stage was reached). Pure: the same facts in any order give the same journey."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from insights_svc.domain.facts import Fact

STATUSES = ("open", "disqualified", "lost", "won", "paid")
"""A journey's status: `paid` once an invoice of it is paid, else `won`/`lost` once its deal
closed, `disqualified` when the lead was, else `open`."""


def timeline(facts: Iterable[Fact]) -> list[Fact]:
    """The facts in the order they happened (ties by event id, so the order is stable)."""
    return sorted(facts, key=lambda f: (f.occurred_at, f.event_id))


@dataclass(frozen=True)
class Milestones:
    lead_id: UUID
    account_id: UUID | None = None
    source: str | None = None
    campaign: str | None = None
    segment: str | None = None
    owner: str | None = None
    team: str | None = None
    currency: str | None = None
    captured_at: datetime | None = None
    first_contact_at: datetime | None = None
    qualified_at: datetime | None = None
    disqualified_at: datetime | None = None
    opportunity_opened_at: datetime | None = None
    quote_created_at: datetime | None = None
    quote_sent_at: datetime | None = None
    quote_accepted_at: datetime | None = None
    contract_drafted_at: datetime | None = None
    contract_approved_at: datetime | None = None
    contract_signed_at: datetime | None = None
    won_at: datetime | None = None
    lost_at: datetime | None = None
    first_invoice_at: datetime | None = None
    paid_at: datetime | None = None
    accepted_quote_net: Decimal | None = None
    first_invoice_subtotal: Decimal | None = None

    @property
    def status(self) -> str:
        if self.paid_at is not None:
            return "paid"
        if self.won_at is not None:
            return "won"
        if self.lost_at is not None:
            return "lost"
        if self.disqualified_at is not None:
            return "disqualified"
        return "open"


_FIRST_OF: dict[str, str] = {
    "LeadCaptured": "captured_at",
    "LeadContacted": "first_contact_at",
    "LeadQualified": "qualified_at",
    "LeadDisqualified": "disqualified_at",
    "OpportunityOpened": "opportunity_opened_at",
    "QuoteCreated": "quote_created_at",
    "QuoteSent": "quote_sent_at",
    "QuoteAccepted": "quote_accepted_at",
    "ContractDrafted": "contract_drafted_at",
    "ContractApproved": "contract_approved_at",
    "ContractSigned": "contract_signed_at",
    "InvoiceIssued": "first_invoice_at",
    "InvoicePaid": "paid_at",
}
MILESTONE_STAGES = frozenset({*_FIRST_OF, "DealClosed", "LeadAssigned"})
"""The events the milestones are made of (metrics read only these)."""


def milestones(lead_id: UUID, facts: Sequence[Fact]) -> Milestones:
    """The first time the journey reached each stage; the deal's outcome is that of its first
    closed opportunity; the owner and the team are the latest ones named (assignment,
    opportunity); the source, the campaign and the segment are the capture's."""
    values: dict[str, object] = {}
    ordered = timeline(facts)
    for fact in ordered:
        name = _FIRST_OF.get(fact.stage)
        if name is not None and name not in values:
            values[name] = fact.occurred_at
            if fact.stage == "QuoteAccepted" and "totals.net_total" in fact.amounts:
                values["accepted_quote_net"] = Decimal(fact.amounts["totals.net_total"])
            if fact.stage == "InvoiceIssued" and "subtotal" in fact.amounts:
                values["first_invoice_subtotal"] = Decimal(fact.amounts["subtotal"])
        if fact.stage == "QuoteAccepted":
            # a quote accepted without a recorded send reached the customer all the same
            values.setdefault("quote_sent_at", fact.occurred_at)
        if fact.stage == "DealClosed" and "won_at" not in values and "lost_at" not in values:
            outcome = fact.detail.get("outcome")
            if outcome in ("won", "lost"):
                values[f"{outcome}_at"] = fact.occurred_at
        if fact.stage == "LeadCaptured":
            for name in ("source", "campaign", "segment"):
                if name in fact.detail:
                    values.setdefault(name, fact.detail[name])
        if "team" in fact.detail:
            values["team"] = fact.detail["team"]
        if fact.owner is not None:
            values["owner"] = fact.owner
        if fact.account_id is not None:
            values.setdefault("account_id", fact.account_id)
        if "currency" in fact.detail:
            values.setdefault("currency", fact.detail["currency"])
    return Milestones(lead_id=lead_id, **values)  # type: ignore[arg-type]


def select(
    journeys: Iterable[Milestones], owner: str | None = None, status: str | None = None
) -> list[Milestones]:
    """The journeys of `owner` in `status` (None: any), newest capture first, those without a
    capture (yet) last, then by lead id: a stable order to page through."""
    chosen = [
        m
        for m in journeys
        if (owner is None or m.owner == owner) and (status is None or m.status == status)
    ]
    chosen.sort(key=lambda m: (m.captured_at is None, _newest_first(m), str(m.lead_id)))
    return chosen


def _newest_first(m: Milestones) -> float:
    return -m.captured_at.timestamp() if m.captured_at else 0.0
