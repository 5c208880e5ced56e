"""The platform's invariants on hand-built states: a clean state passes, and each kind of
violation is found and named."""

from __future__ import annotations

from decimal import Decimal

from l2c_platform.invariants import (
    JOURNEY_STAGES,
    AccountBooks,
    DeadLetter,
    DeadLetterAllowance,
    InvoiceRef,
    JourneyState,
    OutboxState,
    PlatformState,
    journey_prefix,
    journey_ref,
    verify,
)

PAID_ONCE = dict.fromkeys(JOURNEY_STAGES, 1)
POISON = DeadLetter("l2c.usage.v1.dlq", "billing-svc", "l2c.usage.UsageRecorded.v1", "X", "bad")


def clean_state() -> PlatformState:
    # The demo journey's first invoice, 2602.50 EUR, paid in full: balance 0.
    # A second account: 1102.50 invoiced, 1000.00 paid, 50.00 credited → 52.50 owed.
    return PlatformState(
        journeys=[JourneyState(journey_ref("r1", n), PAID_ONCE) for n in range(3)],
        invoices=[InvoiceRef("i1", "s1", "2026-01-01"), InvoiceRef("i2", "s1", "2026-02-01")],
        accounts=[
            AccountBooks("a1", "EUR", Decimal("0.00"), Decimal("2602.50"), Decimal("2602.50"), 0),
            AccountBooks(
                "a2", "EUR", Decimal("52.50"), Decimal("1102.50"), Decimal("1000.00"), Decimal(50)
            ),
        ],
        outboxes=[OutboxState("lead-svc", 0, 0, 0), OutboxState("ar-svc", 0, 0, 0)],
    )


def with_(**changes: object) -> PlatformState:
    return PlatformState(**{**clean_state().__dict__, **changes})  # type: ignore[arg-type]


def test_a_clean_platform_passes() -> None:
    report = verify(clean_state())
    assert report.ok
    assert (report.journeys, report.lost, report.doubled) == (3, 0, 0)


def test_a_journey_that_never_got_paid_is_lost_and_names_its_first_missing_stage() -> None:
    stuck = {**PAID_ONCE, "invoice paid": 0, "payment": 0}
    report = verify(with_(journeys=[JourneyState("journey:r1:0", stuck)]))
    assert (report.lost, report.doubled) == (1, 0)
    assert [str(v) for v in report.violations] == [
        "journey_lost: journey:r1:0: never reached invoice paid"
    ]


def test_a_journey_whose_stage_happened_twice_is_doubled() -> None:
    twice = {**PAID_ONCE, "contract signed": 2, "payment": 2}
    report = verify(with_(journeys=[JourneyState("journey:r1:0", twice)]))
    assert (report.lost, report.doubled) == (0, 1)
    assert report.violations[0].detail == "contract signed ×2, payment ×2"


def test_a_journey_missing_a_stage_it_never_recorded_is_lost() -> None:
    report = verify(with_(journeys=[JourneyState("journey:r1:0", {"lead": 1})]))
    assert report.lost == 1
    assert report.violations[0].detail == "never reached opportunity"


def test_two_invoices_for_one_subscription_period_are_a_violation() -> None:
    invoices = [InvoiceRef("i1", "s1", "2026-01-01"), InvoiceRef("i9", "s1", "2026-01-01")]
    report = verify(with_(invoices=invoices))
    assert [(v.kind, v.subject) for v in report.violations] == [
        ("invoice_doubled", "subscription s1")
    ]


def test_a_ledger_balance_that_does_not_match_its_documents_is_a_violation() -> None:
    # 2602.50 invoiced − 1102.50 paid = 1500.00 owed; the ledger says 0.00 (a payment posted
    # twice, say).
    books = AccountBooks("a1", "EUR", Decimal("0.00"), Decimal("2602.50"), Decimal("1102.50"), 0)
    report = verify(with_(accounts=[books]))
    (violation,) = report.violations
    assert violation.kind == "balance"
    assert violation.detail.endswith("= 1500.00")


def test_write_offs_count_against_the_invoices() -> None:
    # 1102.50 invoiced, 100.00 paid, the remaining 1002.50 written off: nothing owed.
    books = AccountBooks(
        "a1", "EUR", Decimal(0), Decimal("1102.50"), Decimal("100.00"), 0, Decimal("1002.50")
    )
    assert verify(with_(accounts=[books])).ok


def test_unpublished_and_unexplained_outbox_rows_are_violations() -> None:
    outboxes = [OutboxState("cpq-svc", 2, 1, 0), OutboxState("ar-svc", 0, 0, 1)]
    report = verify(with_(outboxes=outboxes))
    assert [str(v) for v in report.violations] == [
        "outbox: cpq-svc: 2 row(s) not published, 1 parked row(s) without a reason",
        "outbox: ar-svc: 1 skipped row(s) without a reason",
    ]


def test_dead_letters_are_violations_unless_expected() -> None:
    assert [v.kind for v in verify(with_(dead_letters=[POISON])).violations] == ["dead_letter"]
    assert verify(with_(dead_letters=[POISON]), DeadLetterAllowance(1)).ok
    two = [POISON, POISON]
    assert len(verify(with_(dead_letters=two), DeadLetterAllowance(1)).violations) == 1


def test_an_allowance_by_type_covers_only_that_type() -> None:
    other = DeadLetter("l2c.lead.intake.v1.dlq", "lead-svc", "l2c.lead.LeadSubmitted.v1", "Y", "")
    allowed = DeadLetterAllowance(5, frozenset({"l2c.usage.UsageRecorded.v1"}))
    report = verify(with_(dead_letters=[POISON, other]), allowed)
    assert [v.subject for v in report.violations] == ["l2c.lead.intake.v1.dlq [lead-svc]"]


def test_a_run_scopes_the_journeys_by_their_reference() -> None:
    assert journey_ref("r1", 7) == "journey:r1:7"
    assert journey_ref("r1", 7).startswith(journey_prefix("r1"))
    assert not journey_ref("r10", 7).startswith(journey_prefix("r1"))
    assert journey_ref("r10", 7).startswith(journey_prefix(None))
