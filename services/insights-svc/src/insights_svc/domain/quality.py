"""Quality metrics of single documents rather than journeys: invoice accuracy (issued invoices
not disputed, voided or credited within a window) and discount compliance (accepted quotes
whose discounts were within policy or approved by the whole approval chain). Pure functions
of the facts; grouped by the document's currency (`grouped`) or by any group of its journey
(`key_of`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from insights_svc.domain.facts import Fact
from insights_svc.domain.metrics import in_period, rate_stats

INVOICE_STAGES = frozenset(
    {"InvoiceIssued", "InvoiceDisputed", "InvoiceVoided", "CreditNoteIssued"}
)
"""The facts invoice accuracy reads: an issue, and what makes it inaccurate."""
INACCURATE = frozenset(INVOICE_STAGES - {"InvoiceIssued"})
QUOTE_STAGES = frozenset({"QuoteAccepted", "QuoteApprovalRequested", "QuoteApproved"})
DEFAULT_WINDOW = timedelta(days=30)
KeyOf = Callable[[Fact], str]
"""The group of a document's fact (by its journey's owner, team, segment and so on)."""


def _key(grouped: bool, key_of: KeyOf | None, fact: Fact) -> str:
    if key_of is not None:
        return key_of(fact)
    return fact.detail.get("currency", "(none)") if grouped else "all"


def invoice_accuracy(
    facts: Iterable[Fact],
    start: datetime | None,
    end: datetime | None,
    grouped: bool = False,
    window: timedelta = DEFAULT_WINDOW,
    key_of: KeyOf | None = None,
) -> dict[str, dict[str, object]]:
    """Of the invoices issued in [start, end), those with no dispute, void or credit note
    against them within `window` of their issue (an invoice issued less than `window` before
    now counts as accurate so far)."""
    issued: dict[str, Fact] = {}
    spoiled: dict[str, list[datetime]] = defaultdict(list)
    for fact in facts:
        invoice = fact.ids.get("invoice_id")
        if invoice is None:
            continue
        if fact.stage == "InvoiceIssued":
            issued.setdefault(invoice, fact)
        elif fact.stage in INACCURATE:
            spoiled[invoice].append(fact.occurred_at)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for invoice, fact in issued.items():
        if not in_period(fact.occurred_at, start, end):
            continue
        pair = counts[_key(grouped, key_of, fact)]
        pair[1] += 1
        late = fact.occurred_at + window
        pair[0] += int(not any(fact.occurred_at <= t <= late for t in spoiled[invoice]))
    return {key: rate_stats(n, d) for key, (n, d) in sorted(counts.items())}


def discount_compliance(
    facts: Iterable[Fact],
    start: datetime | None,
    end: datetime | None,
    grouped: bool = False,
    key_of: KeyOf | None = None,
) -> dict[str, dict[str, object]]:
    """Of the quote versions accepted in [start, end), those that needed no discount approval
    or whose approval chain approved them (`QuoteApproved` of that version) before the
    acceptance."""
    accepted: list[Fact] = []
    requested: set[tuple[str, str]] = set()
    approved: dict[tuple[str, str], datetime] = {}
    for fact in facts:
        quote = fact.ids.get("quote_id")
        if quote is None:
            continue
        version = (quote, fact.detail.get("version", ""))
        if fact.stage == "QuoteAccepted":
            accepted.append(fact)
        elif fact.stage == "QuoteApprovalRequested":
            requested.add(version)
        elif fact.stage == "QuoteApproved":
            approved[version] = min(fact.occurred_at, approved.get(version, fact.occurred_at))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for fact in accepted:
        if not in_period(fact.occurred_at, start, end):
            continue
        version = (fact.ids["quote_id"], fact.detail.get("version", ""))
        pair = counts[_key(grouped, key_of, fact)]
        pair[1] += 1
        within_policy = version not in requested
        approved_first = version in approved and approved[version] <= fact.occurred_at
        pair[0] += int(within_policy or approved_first)
    return {key: rate_stats(n, d) for key, (n, d) in sorted(counts.items())}
