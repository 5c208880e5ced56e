"""Days sales outstanding from the invoices' facts: what each invoice still owed at the end of
the period (its last balance by then) against what was invoiced in the period."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from insights_svc.domain.facts import Fact

BALANCE_STAGES = frozenset(
    {
        "InvoiceIssued",
        "PaymentApplied",
        "CreditApplied",
        "PaymentUnapplied",
        "InvoiceWrittenOff",
        "InvoiceVoided",
    }
)
"""The events that set an invoice's open balance."""
_SETTLED = frozenset({"InvoiceWrittenOff", "InvoiceVoided"})
SECONDS_PER_DAY = Decimal(86400)


def _balance_after(fact: Fact) -> Decimal | None:
    if fact.stage == "InvoiceIssued":
        return Decimal(fact.amounts["total"]) if "total" in fact.amounts else None
    if fact.stage in _SETTLED:
        return Decimal(0)
    value = fact.amounts.get("invoice_balance")
    return None if value is None else Decimal(value)


def dso(facts: Iterable[Fact], start: datetime, end: datetime) -> dict[str, dict[str, object]]:
    """Per currency: `receivables` (what the invoices issued before `end` still owed at `end`),
    `sales` (totals of the invoices issued in [start, end)), `days` in the period and
    `dso` = receivables ÷ sales × days, rounded half-up to a tenth of a day (None without
    sales). Amounts are decimal strings."""
    by_invoice: dict[str, list[Fact]] = defaultdict(list)
    for fact in facts:
        invoice = fact.ids.get("invoice_id")
        if fact.stage in BALANCE_STAGES and invoice is not None and fact.occurred_at < end:
            by_invoice[invoice].append(fact)
    receivables: dict[str, Decimal] = defaultdict(Decimal)
    sales: dict[str, Decimal] = defaultdict(Decimal)
    for events in by_invoice.values():
        # the issue first when an application carries the same instant
        events.sort(key=lambda f: (f.occurred_at, f.stage != "InvoiceIssued", f.event_id))
        issued = next((f for f in events if f.stage == "InvoiceIssued"), None)
        if issued is None:  # applications without their invoice: not a receivable here
            continue
        currency = issued.detail.get("currency", "")
        balance = Decimal(0)
        for fact in events:
            after = _balance_after(fact)
            if after is not None:
                balance = after
        receivables[currency] += balance
        if issued.occurred_at >= start:
            sales[currency] += Decimal(issued.amounts.get("total", "0"))
    days = Decimal((end - start).total_seconds()) / SECONDS_PER_DAY
    answer: dict[str, dict[str, object]] = {}
    for currency in sorted({*receivables, *sales}):
        sold = sales[currency]
        value = None
        if sold > 0:
            value = str(
                (receivables[currency] / sold * days).quantize(Decimal("0.1"), ROUND_HALF_UP)
            )
        answer[currency] = {
            "receivables": str(receivables[currency]),
            "sales": str(sold),
            "days": f"{days.normalize():f}",
            "dso": value,
        }
    return answer
