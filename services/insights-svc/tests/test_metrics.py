"""The metrics over a small population whose values are computed by hand in the comments."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from uuid import UUID

from insights_svc.domain.facts import Fact
from insights_svc.domain.journey import milestones, select
from insights_svc.domain.metrics import compute, funnel, funnel_by, percentile

T0 = datetime(2026, 1, 1, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)
A, B, C, DQ = (UUID(int=n) for n in (1, 2, 3, 4))


def fact(lead: UUID, stage: str, at: datetime, **extra: object) -> Fact:
    return Fact(
        event_id=f"{lead.int}-{stage}-{at.isoformat()}",
        stage=stage,
        lead_id=lead,
        account_id=None,
        occurred_at=at,
        owner=extra.get("owner"),  # type: ignore[arg-type]
        amounts=extra.get("amounts", {}),  # type: ignore[arg-type]
        detail=extra.get("detail", {}),  # type: ignore[arg-type]
    )


FACTS = [
    # A (ana, web, EUR): contacted after 2 h, won; quote 1200.00 billed 1200.00; paid on day 20.
    fact(A, "LeadCaptured", T0, detail={"source": "web", "campaign": "spring"}),
    fact(A, "LeadAssigned", T0 + H, owner="ana", detail={"team": "emea"}),
    fact(A, "LeadContacted", T0 + 2 * H),
    fact(A, "LeadQualified", T0 + 3 * H),
    fact(A, "OpportunityOpened", T0 + D),
    fact(A, "QuoteSent", T0 + 3 * D),
    fact(
        A,
        "QuoteAccepted",
        T0 + 5 * D,
        amounts={"totals.net_total": "1200.00"},
        detail={"currency": "EUR"},
    ),
    fact(A, "ContractDrafted", T0 + 5 * D),
    fact(A, "ContractApproved", T0 + 7 * D),
    fact(A, "ContractSigned", T0 + 8 * D),
    fact(A, "DealClosed", T0 + 8 * D, detail={"outcome": "won"}),
    fact(A, "InvoiceIssued", T0 + 9 * D, amounts={"subtotal": "1200.00"}),
    fact(A, "InvoicePaid", T0 + 20 * D),
    # B (bob, event, USD): contacted after 6 h, won; quote 500.00 but first invoice 450.00.
    fact(B, "LeadCaptured", T0 + D, detail={"source": "event"}),
    fact(B, "LeadAssigned", T0 + D + H, owner="bob"),
    fact(B, "LeadContacted", T0 + D + 6 * H),
    fact(B, "LeadQualified", T0 + D + 7 * H),
    fact(B, "OpportunityOpened", T0 + 2 * D),
    fact(B, "QuoteSent", T0 + 4 * D),
    fact(
        B,
        "QuoteAccepted",
        T0 + 6 * D,
        amounts={"totals.net_total": "500.00"},
        detail={"currency": "USD"},
    ),
    fact(B, "ContractDrafted", T0 + 6 * D),
    fact(B, "ContractApproved", T0 + 10 * D),
    fact(B, "ContractSigned", T0 + 11 * D),
    fact(B, "DealClosed", T0 + 11 * D, detail={"outcome": "won"}),
    fact(B, "InvoiceIssued", T0 + 12 * D, amounts={"subtotal": "450.00"}),
    # C (ana, web): contacted after 10 h, quote sent 3 days after the opportunity, lost.
    fact(C, "LeadCaptured", T0 + 2 * D, detail={"source": "web"}),
    fact(C, "LeadAssigned", T0 + 2 * D + H, owner="ana"),
    fact(C, "LeadContacted", T0 + 2 * D + 10 * H),
    fact(C, "LeadQualified", T0 + 2 * D + 11 * H),
    fact(C, "OpportunityOpened", T0 + 3 * D),
    fact(C, "QuoteSent", T0 + 6 * D),
    fact(C, "DealClosed", T0 + 10 * D, detail={"outcome": "lost"}),
    # DQ (web, no owner): disqualified a day after capture, never contacted.
    fact(DQ, "LeadCaptured", T0 + 3 * D, detail={"source": "web"}),
    fact(DQ, "LeadDisqualified", T0 + 4 * D),
]


def journeys(facts: list[Fact] = FACTS) -> list:  # type: ignore[type-arg]
    return [milestones(lead, [f for f in facts if f.lead_id == lead]) for lead in (A, B, C, DQ)]


def test_order_of_arrival_changes_nothing() -> None:
    shuffled = FACTS.copy()
    random.Random(7).shuffle(shuffled)
    assert journeys(shuffled) == journeys()
    assert [m.status for m in journeys()] == ["paid", "won", "lost", "disqualified"]


def test_nearest_rank_percentiles() -> None:
    assert percentile([1.0, 2.0, 3.0], 50) == 2.0  # rank ceil(1.5) = 2
    assert percentile([1.0, 2.0, 3.0], 90) == 3.0  # rank ceil(2.7) = 3
    assert percentile([5.0], 90) == 5.0


def test_durations() -> None:
    # first contact: 2 h, 6 h, 10 h = 7200, 21600, 36000 s; p50 rank 2, p90 rank 3, mean 21600
    assert compute("lead_to_first_contact", journeys())["all"] == {
        "count": 3,
        "p50_seconds": 21600.0,
        "p90_seconds": 36000.0,
        "mean_seconds": 21600.0,
    }
    # opportunity -> won: A 7 d = 604800 s, B 9 d = 777600 s; mean 691200
    assert compute("sales_cycle", journeys())["all"] == {
        "count": 2,
        "p50_seconds": 604800.0,
        "p90_seconds": 777600.0,
        "mean_seconds": 691200.0,
    }
    # opportunity -> first quote sent: 2 d, 2 d, 3 d; mean (172800*2 + 259200) / 3 = 201600
    assert compute("quote_generation_time", journeys())["all"] == {
        "count": 3,
        "p50_seconds": 172800.0,
        "p90_seconds": 259200.0,
        "mean_seconds": 201600.0,
    }
    # drafted -> approved: A 2 d, B 4 d; mean 3 d = 259200
    assert compute("contract_approval_time", journeys())["all"]["mean_seconds"] == 259200.0
    # signed -> first invoice: 1 d each
    assert compute("signature_to_invoice", journeys())["all"]["p90_seconds"] == 86400.0
    # captured -> paid: A only, 20 d = 1728000 s
    assert compute("lead_to_cash", journeys())["all"]["mean_seconds"] == 1728000.0


def test_rates() -> None:
    # 3 of the 4 captured leads became opportunities
    assert compute("lead_to_opportunity_rate", journeys())["all"] == {
        "numerator": 3,
        "denominator": 4,
        "rate": "0.7500",
    }
    # closed: A won, B won, C lost -> 2/3
    assert compute("opportunity_win_rate", journeys())["all"]["rate"] == "0.6667"
    # quotes sent: A, B, C; won: A, B -> 2/3
    assert compute("quote_to_close_rate", journeys())["all"]["numerator"] == 2
    # won with an accepted quote: A (1200.00 = 1200.00), B (500.00 != 450.00) -> 1/2
    assert compute("quote_accuracy", journeys())["all"] == {
        "numerator": 1,
        "denominator": 2,
        "rate": "0.5000",
    }


def test_period_and_groups() -> None:
    # captured in [T0+1d, T0+3d): B and C, both became opportunities
    rate = compute("lead_to_opportunity_rate", journeys(), T0 + D, T0 + 3 * D)
    assert rate == {"all": {"numerator": 2, "denominator": 2, "rate": "1.0000"}}
    # ana: 2 h and 10 h (p50 rank 1 = 7200, mean 21600); bob: 6 h
    by_owner = compute("lead_to_first_contact", journeys(), by="owner")
    assert by_owner["ana"]["p50_seconds"] == 7200.0
    assert by_owner["ana"]["mean_seconds"] == 21600.0
    assert by_owner["bob"]["count"] == 1
    # source: web A, C, DQ (2 opportunities of 3), event B (1 of 1)
    by_source = compute("lead_to_opportunity_rate", journeys(), by="source")
    assert by_source["web"]["rate"] == "0.6667"
    assert by_source["event"]["rate"] == "1.0000"
    # currency: C and DQ never named one
    by_currency = compute("lead_to_opportunity_rate", journeys(), by="currency")
    assert by_currency["(none)"] == {"numerator": 1, "denominator": 2, "rate": "0.5000"}


def test_groups_by_campaign_team_and_cohort() -> None:
    # only A came from the spring campaign and was routed to emea; all were captured in January
    rate = "lead_to_opportunity_rate"
    assert compute(rate, journeys(), by="campaign")["spring"]["denominator"] == 1
    assert compute(rate, journeys(), by="campaign")["(none)"]["denominator"] == 3
    assert compute(rate, journeys(), by="team")["emea"]["numerator"] == 1
    assert compute(rate, journeys(), by="cohort") == {
        "2026-01": {"numerator": 3, "denominator": 4, "rate": "0.7500"}
    }


def test_funnel() -> None:
    rows = {r["stage"]: (r["count"], r["drop_off"]) for r in funnel(journeys())}
    assert rows["captured"] == (4, None)
    assert rows["contacted"] == (3, "0.2500")  # DQ never contacted: 1 of 4
    assert rows["qualified"] == (3, "0.0000")
    assert rows["quote_accepted"] == (2, "0.3333")  # C's quote was not accepted: 1 of 3
    assert rows["paid"] == (1, "0.5000")  # B's invoice is not paid: 1 of 2


def test_a_later_stage_implies_the_earlier_ones() -> None:
    # A without its contact and its QuoteSent: won all the same, the quote accepted 5 d after
    # capture counts as sent (opportunity on day 1: quote generation 4 d = 345600 s)
    facts = [f for f in FACTS if f.lead_id == A and f.stage not in ("LeadContacted", "QuoteSent")]
    rows = {r["stage"]: r["count"] for r in funnel([milestones(A, facts)])}
    assert rows["contacted"] == rows["quote_sent"] == rows["paid"] == 1
    generation = compute("quote_generation_time", [milestones(A, facts)])
    assert generation["all"]["mean_seconds"] == 345600.0


def test_journeys_listed_newest_capture_first_filtered_by_owner_and_status() -> None:
    uncaptured = milestones(UUID(int=9), [fact(UUID(int=9), "InvoicePaid", T0)])
    everyone = [*journeys(), uncaptured]
    assert [m.lead_id for m in select(everyone)] == [DQ, C, B, A, UUID(int=9)]
    assert [m.lead_id for m in select(everyone, owner="ana")] == [C, A]
    assert [m.lead_id for m in select(everyone, status="paid")] == [A, UUID(int=9)]


def test_groups_by_segment_of_the_capture() -> None:
    # A and C enterprise, B and DQ SMB (as LeadCaptured says); facts are frozen: replace them
    sizes = {A: "enterprise", B: "smb", C: "enterprise", DQ: "smb"}
    sized = [
        fact(f.lead_id, f.stage, f.occurred_at, detail={**f.detail, "segment": sizes[f.lead_id]})
        if f.stage == "LeadCaptured"
        else f
        for f in FACTS
    ]
    # opportunities: enterprise A, C of 2; SMB B of B, DQ -> 1/2
    to_opportunity = compute("lead_to_opportunity_rate", journeys(sized), by="segment")
    assert to_opportunity == {
        "enterprise": {"numerator": 2, "denominator": 2, "rate": "1.0000"},
        "smb": {"numerator": 1, "denominator": 2, "rate": "0.5000"},
    }
    # closed: enterprise A won, C lost -> 1/2; SMB B won -> 1/1
    won = compute("opportunity_win_rate", journeys(sized), by="segment")
    assert (won["enterprise"]["rate"], won["smb"]["rate"]) == ("0.5000", "1.0000")


def test_the_funnel_per_owner() -> None:
    # ana: A (to paid) and C (quote sent, lost); bob: B (invoiced, unpaid); DQ has no owner
    by_owner = funnel_by(journeys(), None, None, "owner")
    assert set(by_owner) == {"ana", "bob", "(none)"}
    ana = {row["stage"]: row["count"] for row in by_owner["ana"]}
    assert (ana["captured"], ana["quote_sent"], ana["won"], ana["paid"]) == (2, 2, 1, 1)
    bob = {row["stage"]: row["count"] for row in by_owner["bob"]}
    assert (bob["captured"], bob["invoiced"], bob["paid"]) == (1, 1, 0)
    unowned = {row["stage"]: row["count"] for row in by_owner["(none)"]}
    assert (unowned["captured"], unowned["contacted"]) == (1, 0)
