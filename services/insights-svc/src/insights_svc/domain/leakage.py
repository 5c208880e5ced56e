"""The revenue-leakage watch: detectors that find money falling between services, read from
the journey facts alone. Each finding names its journey, the step's id, the amount at risk
(exact) and since when it has been leaking; a finding disappears by itself once the event
that fixes its cause arrives, since findings are computed afresh on every read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from insights_svc.domain.facts import Fact

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Policy:
    """How long each cause may last before it is a finding, and the discount limit."""

    order_after: timedelta = HOUR
    subscription_after: timedelta = HOUR
    first_invoice_after: timedelta = DAY
    dunning_after: timedelta = 2 * DAY
    """Longer than the first dunning step of ar-svc's default policy (1 day past due)."""
    unapplied_after: timedelta = 3 * DAY
    max_discount_percent: Decimal = Decimal(15)
    """cpq-svc's default: a discount above 15 % needs a sales manager's approval."""


PERIOD_DAYS = {"month": 31, "quarter": 92, "year": 366}
"""The longest period of each billing period, for an invoice billed in arrears."""


@dataclass(frozen=True)
class Finding:
    detector: str
    lead_id: UUID
    account_id: UUID | None
    subject: str
    """The id the finding is about, e.g. `contract_id=…`."""
    amount: Decimal | None
    currency: str | None
    since: datetime
    """When the cause started to count as a leak (its event time plus the allowance)."""
    trace_id: str | None
    reason: str

    def age_seconds(self, now: datetime) -> int:
        return max(0, int((now - self.since).total_seconds()))


Detector = Callable[[Sequence[Fact], datetime, Policy], list[Finding]]


def _amount(fact: Fact, name: str) -> Decimal | None:
    value = fact.amounts.get(name)
    return Decimal(value) if value is not None else None


def _by_id(facts: Iterable[Fact], stage: str, id_name: str) -> dict[str, list[Fact]]:
    found: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        if fact.stage == stage and id_name in fact.ids:
            found[fact.ids[id_name]].append(fact)
    return found


def _finding(
    detector: str,
    fact: Fact,
    id_name: str,
    amount: Decimal | None,
    since: datetime,
    reason: str,
) -> Finding:
    return Finding(
        detector=detector,
        lead_id=fact.lead_id,
        account_id=fact.account_id,
        subject=f"{id_name}={fact.ids.get(id_name, '')}",
        amount=amount,
        currency=fact.detail.get("currency"),
        since=since,
        trace_id=fact.trace_id,
        reason=reason,
    )


def _first(facts: Sequence[Fact]) -> Fact:
    return min(facts, key=lambda f: (f.occurred_at, f.event_id))


def _ids(facts: Iterable[Fact], stages: Iterable[str], id_name: str) -> set[str]:
    """The values of `id_name` that facts of these event types carry."""
    chosen = set(stages)
    return {f.ids[id_name] for f in facts if f.stage in chosen and id_name in f.ids}


def _unresolved(
    facts: Sequence[Fact],
    stage: str,
    id_name: str,
    now: datetime,
    allowance: timedelta,
    resolved: set[str],
) -> list[tuple[Fact, list[Fact], datetime]]:
    """Per value of `id_name`: the first fact of `stage`, all of them, and since when it
    leaks, for those not `resolved` once the allowance has passed."""
    found = []
    for key, group in _by_id(facts, stage, id_name).items():
        first = _first(group)
        since = first.occurred_at + allowance
        if key not in resolved and now >= since:
            found.append((first, group, since))
    return found


def contract_signed_without_order(
    facts: Sequence[Fact], now: datetime, policy: Policy
) -> list[Finding]:
    resolved = _ids(facts, ("OrderPlaced", "ContractTerminated"), "contract_id")
    return [
        _finding(
            "contract_signed_without_order",
            first,
            "contract_id",
            _amount(first, "total_contract_value"),
            since,
            "signed, but no order was placed for it",
        )
        for first, _, since in _unresolved(
            facts, "ContractSigned", "contract_id", now, policy.order_after, resolved
        )
    ]


def order_without_subscription(
    facts: Sequence[Fact], now: datetime, policy: Policy
) -> list[Finding]:
    terminated = _ids(facts, ("ContractTerminated",), "contract_id")
    resolved = _ids(facts, ("SubscriptionActivated",), "order_id")
    resolved |= {
        f.ids["order_id"]
        for f in facts
        if f.stage == "OrderPlaced" and f.ids.get("contract_id") in terminated
    }
    values: dict[str, Decimal | None] = {}
    for stage in ("ContractDrafted", "ContractSigned"):
        for contract_id, contract_facts in _by_id(facts, stage, "contract_id").items():
            values[contract_id] = _amount(_first(contract_facts), "total_contract_value")
    return [
        _finding(
            "order_without_subscription",
            first,
            "order_id",
            values.get(first.ids.get("contract_id", "")),
            since,
            "ordered, but billing has no active subscription for it",
        )
        for first, _, since in _unresolved(
            facts, "OrderPlaced", "order_id", now, policy.subscription_after, resolved
        )
    ]


def subscription_not_invoiced(
    facts: Sequence[Fact], now: datetime, policy: Policy
) -> list[Finding]:
    invoices = _by_id(facts, "InvoiceIssued", "subscription_id")
    orders = _by_id(facts, "OrderPlaced", "order_id")
    # Cancelled inside its free trial: nothing is ever invoiced, and rightly so.
    cancelled_free = {
        f.ids["subscription_id"]
        for f in facts
        if f.stage == "SubscriptionTerminated" and f.detail.get("during_trial") == "True"
    }
    found = []
    for subscription_id, activated in _by_id(
        facts, "SubscriptionActivated", "subscription_id"
    ).items():
        first = _first(activated)
        due = first.occurred_at
        order = orders.get(first.ids.get("order_id", ""))
        if order and _first(order).detail.get("billing_timing") == "in_arrears":
            due += timedelta(days=PERIOD_DAYS.get(first.detail.get("billing_period", ""), 366))
        if order:  # a free trial defers the first invoice to its first paid day
            due += timedelta(days=int(_first(order).detail.get("trial_days", "0")))
        since = due + policy.first_invoice_after
        if subscription_id in invoices or subscription_id in cancelled_free or now < since:
            continue
        found.append(
            _finding(
                "subscription_not_invoiced",
                first,
                "subscription_id",
                _amount(first, "recurring_amount"),
                since,
                "its first period is due and no invoice was issued for it",
            )
        )
    return found


def overdue_without_dunning(facts: Sequence[Fact], now: datetime, policy: Policy) -> list[Finding]:
    settled = ("InvoicePaid", "InvoiceWrittenOff", "InvoiceVoided", "DunningNoticeSent")
    resolved = _ids(facts, settled, "invoice_id")
    return [
        _finding(
            "overdue_without_dunning",
            first,
            "invoice_id",
            _amount(max(overdue, key=lambda f: (f.occurred_at, f.event_id)), "balance"),
            since,
            "overdue, unpaid, and no dunning notice was sent",
        )
        for first, overdue, since in _unresolved(
            facts, "InvoiceOverdue", "invoice_id", now, policy.dunning_after, resolved
        )
    ]


def payment_unapplied(facts: Sequence[Fact], now: datetime, policy: Policy) -> list[Finding]:
    applied: dict[str, Decimal] = defaultdict(Decimal)
    for fact in facts:
        if "payment_id" not in fact.ids:
            continue
        amount = _amount(fact, "amount") or Decimal(0)
        if fact.stage == "PaymentApplied":
            applied[fact.ids["payment_id"]] += amount
        elif fact.stage == "PaymentUnapplied":
            applied[fact.ids["payment_id"]] -= amount
    found = []
    for payment_id, received in _by_id(facts, "PaymentReceived", "payment_id").items():
        first = _first(received)
        since = first.occurred_at + policy.unapplied_after
        left = (_amount(first, "amount") or Decimal(0)) - applied.get(payment_id, Decimal(0))
        if left <= 0 or now < since:
            continue
        found.append(
            _finding(
                "payment_unapplied",
                first,
                "payment_id",
                left,
                since,
                "cash received but not applied to any invoice",
            )
        )
    return found


def discount_without_approval(
    facts: Sequence[Fact], now: datetime, policy: Policy
) -> list[Finding]:
    approved = _by_id(facts, "QuoteApproved", "quote_id")
    found = []
    for quote_id, accepted in _by_id(facts, "QuoteAccepted", "quote_id").items():
        first = _first(accepted)
        listed = _amount(first, "totals.list_total")
        discount = _amount(first, "totals.discount_total")
        if quote_id in approved or not listed or discount is None or listed <= 0:
            continue
        allowed = listed * policy.max_discount_percent / 100
        if discount <= allowed:
            continue
        found.append(
            _finding(
                "discount_without_approval",
                first,
                "quote_id",
                discount - allowed,
                first.occurred_at,
                f"accepted with a discount over {policy.max_discount_percent} % of the list "
                "price and no approval (the amount is the discount beyond the limit)",
            )
        )
    return found


DETECTORS: dict[str, tuple[Detector, str]] = {
    "contract_signed_without_order": (
        contract_signed_without_order,
        "A contract signed more than an hour ago, not terminated, with no order placed for "
        "it (nothing will be provisioned or billed); at risk, its total contract value.",
    ),
    "order_without_subscription": (
        order_without_subscription,
        "An order placed more than an hour ago (its contract not terminated) for which "
        "billing activated no subscription; at risk, the contract's total value.",
    ),
    "subscription_not_invoiced": (
        subscription_not_invoiced,
        "A subscription with no invoice a day after its first period fell due (at once when "
        "billed in advance, at the end of the period when in arrears); at risk, one "
        "period's recurring amount.",
    ),
    "overdue_without_dunning": (
        overdue_without_dunning,
        "An invoice overdue for two days, neither paid, written off nor voided, that no "
        "dunning notice chased; at risk, its last overdue balance.",
    ),
    "payment_unapplied": (
        payment_unapplied,
        "Cash received more than three days ago and not (fully) applied to invoices; at "
        "risk, the unapplied part.",
    ),
    "discount_without_approval": (
        discount_without_approval,
        "A quote accepted with a discount above the approval limit (15 % of list) that was "
        "never approved; at risk, the discount beyond the limit.",
    ),
}

STAGES = frozenset(
    {
        "ContractDrafted",
        "ContractSigned",
        "ContractTerminated",
        "OrderPlaced",
        "SubscriptionActivated",
        "InvoiceIssued",
        "InvoiceOverdue",
        "InvoicePaid",
        "InvoiceWrittenOff",
        "InvoiceVoided",
        "DunningNoticeSent",
        "PaymentReceived",
        "PaymentApplied",
        "PaymentUnapplied",
        "QuoteAccepted",
        "QuoteApproved",
    }
)
"""The event types the detectors read."""


def detect(
    facts: Sequence[Fact], now: datetime, policy: Policy, only: str | None = None
) -> list[Finding]:
    """Every finding (of one detector when `only` names it), oldest first."""
    found: list[Finding] = []
    for name, (detector, _) in DETECTORS.items():
        if only is None or only == name:
            found.extend(detector(facts, now, policy))
    found.sort(key=lambda f: (f.since, f.detector, f.subject))
    return found


def totals(found: Iterable[Finding]) -> dict[str, dict[str, Decimal]]:
    """Per detector and currency, the sum of the amounts at risk."""
    sums: dict[str, dict[str, Decimal]] = {name: {} for name in DETECTORS}
    for finding in found:
        if finding.amount is None or finding.currency is None:
            continue
        per = sums[finding.detector]
        per[finding.currency] = per.get(finding.currency, Decimal(0)) + finding.amount
    return sums
