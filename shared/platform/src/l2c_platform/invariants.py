"""What must hold of the whole platform after any fault, as pure functions of its state.

`l2c verify` reads the state from each service's database (`platform_state`) and from the
dead-letter topics, and reports every violation these checks find. The checks:

- every journey started (a lead whose external reference starts with `journey:`) reached
  each stage exactly once: one lead, one opportunity, one accepted quote, one signed
  contract, one subscription, one first invoice, paid, and one payment — none missing
  (*lost*) and none twice (*doubled*);
- one invoice per subscription and billing period;
- each account's receivables balance equals its invoices minus its payments, credits and
  write-offs (the ledger against the documents it was posted from);
- every outbox row is published, or parked with the broker's reason (an operator's skip
  has its reason too);
- no dead letters beyond those the caller expects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Literal

JOURNEY_REF_PREFIX = "journey:"
JOURNEY_STAGES = (
    "lead",
    "opportunity",
    "quote accepted",
    "contract signed",
    "subscription",
    "invoice",
    "invoice paid",
    "payment",
)

ViolationKind = Literal[
    "journey_lost", "journey_doubled", "invoice_doubled", "balance", "outbox", "dead_letter"
]


def journey_ref(run: str, number: int) -> str:
    """The external reference of the `number`-th journey of load run `run`."""
    return f"{JOURNEY_REF_PREFIX}{run}:{number}"


def journey_prefix(run: str | None) -> str:
    """The external references `--run` selects (every journey without a run)."""
    return JOURNEY_REF_PREFIX if run is None else f"{JOURNEY_REF_PREFIX}{run}:"


@dataclass(frozen=True)
class JourneyState:
    ref: str
    stages: Mapping[str, int]
    """How many times each of JOURNEY_STAGES was reached (a missing stage: 0)."""


@dataclass(frozen=True)
class InvoiceRef:
    invoice_id: str
    subscription_id: str
    period_start: str


@dataclass(frozen=True)
class AccountBooks:
    """One account's receivables in one currency: the ledger's balance (the sum of its
    postings) and the documents: issued invoices (billing-svc), received payments, credit
    notes and write-offs (ar-svc)."""

    account_id: str
    currency: str
    ledger_balance: Decimal
    invoices: Decimal
    payments: Decimal
    credits: Decimal
    write_offs: Decimal = Decimal(0)

    @property
    def expected_balance(self) -> Decimal:
        return self.invoices - self.payments - self.credits - self.write_offs


@dataclass(frozen=True)
class OutboxState:
    service: str
    pending: int
    parked_without_reason: int
    skipped_without_reason: int


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    consumer: str
    ce_type: str
    error_type: str
    error: str


@dataclass(frozen=True)
class PlatformState:
    journeys: list[JourneyState] = field(default_factory=list)
    invoices: list[InvoiceRef] = field(default_factory=list)
    accounts: list[AccountBooks] = field(default_factory=list)
    outboxes: list[OutboxState] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)


@dataclass(frozen=True)
class Violation:
    kind: ViolationKind
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject}: {self.detail}"


@dataclass(frozen=True)
class DeadLetterAllowance:
    """Dead letters the caller expects (the poison a test injected): up to `count` of them,
    of the given CloudEvents or error types when `types` is not empty."""

    count: int = 0
    types: frozenset[str] = frozenset()

    def covers(self, letter: DeadLetter) -> bool:
        return not self.types or bool({letter.ce_type, letter.error_type} & self.types)


@dataclass(frozen=True)
class Report:
    journeys: int
    lost: int
    doubled: int
    violations: list[Violation]

    @property
    def ok(self) -> bool:
        return not self.violations

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "journeys": self.journeys,
            "lost": self.lost,
            "doubled": self.doubled,
            "violations": [asdict(v) for v in self.violations],
        }


def check_journeys(journeys: Iterable[JourneyState]) -> list[Violation]:
    found = []
    for journey in journeys:
        counts = {stage: journey.stages.get(stage, 0) for stage in JOURNEY_STAGES}
        missing = [stage for stage, n in counts.items() if n == 0]
        twice = [f"{stage} ×{n}" for stage, n in counts.items() if n > 1]
        if missing:
            found.append(Violation("journey_lost", journey.ref, "never reached " + missing[0]))
        if twice:
            found.append(Violation("journey_doubled", journey.ref, ", ".join(twice)))
    return found


def check_invoices(invoices: Iterable[InvoiceRef]) -> list[Violation]:
    periods = Counter((i.subscription_id, i.period_start) for i in invoices)
    return [
        Violation("invoice_doubled", f"subscription {sub}", f"{n} invoices for period {start}")
        for (sub, start), n in sorted(periods.items())
        if n > 1
    ]


def check_balances(accounts: Iterable[AccountBooks]) -> list[Violation]:
    return [
        Violation(
            "balance",
            f"account {a.account_id} ({a.currency})",
            f"ledger balance {a.ledger_balance} ≠ invoices {a.invoices} − payments "
            f"{a.payments} − credits {a.credits} − write-offs {a.write_offs} "
            f"= {a.expected_balance}",
        )
        for a in accounts
        if a.ledger_balance != a.expected_balance
    ]


def check_outboxes(outboxes: Iterable[OutboxState]) -> list[Violation]:
    found = []
    for o in outboxes:
        problems = [
            f"{n} {what}"
            for n, what in (
                (o.pending, "row(s) not published"),
                (o.parked_without_reason, "parked row(s) without a reason"),
                (o.skipped_without_reason, "skipped row(s) without a reason"),
            )
            if n
        ]
        if problems:
            found.append(Violation("outbox", o.service, ", ".join(problems)))
    return found


def check_dead_letters(
    letters: Iterable[DeadLetter], allowed: DeadLetterAllowance
) -> list[Violation]:
    budget = allowed.count
    found = []
    for letter in letters:
        if budget > 0 and allowed.covers(letter):
            budget -= 1
            continue
        found.append(
            Violation(
                "dead_letter",
                f"{letter.topic} [{letter.consumer}]",
                f"{letter.ce_type}: {letter.error_type}: {letter.error}",
            )
        )
    return found


def verify(state: PlatformState, allowed: DeadLetterAllowance | None = None) -> Report:
    """Every violation of the platform's invariants in `state`."""
    journey_violations = check_journeys(state.journeys)
    lost = {v.subject for v in journey_violations if v.kind == "journey_lost"}
    doubled = {v.subject for v in journey_violations if v.kind == "journey_doubled"}
    return Report(
        journeys=len(state.journeys),
        lost=len(lost),
        doubled=len(doubled),
        violations=[
            *journey_violations,
            *check_invoices(state.invoices),
            *check_balances(state.accounts),
            *check_outboxes(state.outboxes),
            *check_dead_letters(state.dead_letters, allowed or DeadLetterAllowance()),
        ],
    )
