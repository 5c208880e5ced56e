"""The draft of one invoice of a subscription: recurring lines, one-time fees, usage in
arrears, prorations and adjustments, numbered lines and totals. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from billing_svc.domain.calendar import Period, period_index_of, service_period
from billing_svc.domain.invoicing import DraftLine, SubscriptionItem, invoice_lines
from billing_svc.domain.proration import segment_value
from billing_svc.domain.trial import first_charge_date
from billing_svc.domain.usage import UsageEvent, UsagePrices, usage_charge
from l2c_pricing import average_unit_price
from l2c_schemas.money import round_money


@dataclass(frozen=True)
class Adjustment:
    """A line decided earlier (a proration) that goes on the next invoice."""

    product_code: str
    description: str
    quantity: Decimal
    amount: Decimal
    period_start: date
    period_end: date


@dataclass(frozen=True)
class UsageGroup:
    """One metric's events of one usage period: those already invoiced and those not yet."""

    metric: str
    period_start: date
    billed: tuple[UsageEvent, ...]
    unbilled: tuple[UsageEvent, ...]


@dataclass
class Draft:
    lines: list[DraftLine] = field(default_factory=list)
    billed_usage: list[tuple[str, date]] = field(default_factory=list)
    """(metric, period start) of the usage groups this draft invoices."""

    def add(
        self,
        kind: str,
        code: str,
        text: str,
        qty: Decimal,
        unit: Decimal,
        amount: Decimal,
        start: date,
        end: date,
    ) -> None:
        self.lines.append(
            DraftLine(
                len(self.lines) + 1, code, text, qty, unit, Decimal(0), amount, start, end, kind
            )
        )


def bill_date(
    anchor: date, months: int, index: int, timing: str, trial_end: date | None = None
) -> date:
    """When period `index` is invoiced: on its first day in advance, the day after it ends in
    arrears, and never before the first paid day after a trial (`trial_end`: its last free
    day), so nothing is invoiced while the trial lasts."""
    day = service_period(anchor, months, index + (1 if timing == "in_arrears" else 0)).start
    return day if trial_end is None else max(day, first_charge_date(trial_end))


def draft_invoice(
    items: list[SubscriptionItem],
    currency: str,
    period: Period | None,
    first_invoice: bool,
    usage: list[UsageGroup],
    prices: UsagePrices,
    adjustments: list[Adjustment],
    anchor: date,
    months: int,
    trial_end: date | None = None,
    service_end: date | None = None,
) -> Draft:
    """The invoice of `period` (None for a closing invoice after the term): the period's
    recurring items, one-time fees on the first invoice, each usage group of a closed period
    priced by the plan `prices` gives it (late events as the difference to what was
    invoiced; a group nothing prices stays unbilled), then the adjustments.
    Recurring items are free until `trial_end` (inclusive): a period inside the trial has no
    recurring lines, a period the trial ends in is charged for the days after it
    (proration.segment_value). Likewise they stop after `service_end` (the last day of service
    of a terminated contract): the period it falls in is charged up to that day."""
    draft = Draft()
    if period is not None:
        for line in invoice_lines(items, currency, (period.start, period.end), first_invoice):
            if line.kind == "recurring":
                paid = _paid_part(line, period, trial_end, service_end, currency)
                if paid is None:
                    continue
                line = paid
            draft.lines.append(DraftLine(len(draft.lines) + 1, *_fields_after_line_no(line)))
    for group in sorted(usage, key=lambda g: (g.period_start, g.metric)):
        plan = prices.plan_for(group.metric, group.period_start)
        if plan is None:
            continue  # not rateable: stays unbilled until something prices it
        quantity, amount = usage_charge(group.billed, group.unbilled, plan, currency)
        used = service_period(anchor, months, period_index_of(anchor, months, group.period_start))
        late = "Late usage adjustment: " if group.billed else ""
        unit = average_unit_price(amount, quantity)
        draft.add(
            "usage",
            plan.product_code,
            f"{late}{plan.description}",
            quantity,
            unit,
            amount,
            used.start,
            used.end,
        )
        draft.billed_usage.append((group.metric, group.period_start))
    for adj in adjustments:
        draft.add(
            "proration",
            adj.product_code,
            adj.description,
            adj.quantity,
            round_money(adj.amount, currency),
            adj.amount,
            adj.period_start,
            adj.period_end,
        )
    return draft


def _paid_part(
    line: DraftLine,
    period: Period,
    trial_end: date | None,
    service_end: date | None,
    currency: str,
) -> DraftLine | None:
    """The recurring line for the days of the period that are paid for: after the trial and up
    to the last day of service (None when no day is)."""
    first, last = period.start, period.end
    notes = []
    if trial_end is not None and trial_end >= first:
        first = trial_end + timedelta(days=1)
        notes.append(f"after the trial, from {first}")
    if service_end is not None and service_end < last:
        last = service_end
        notes.append(f"last day of service {last}")
    if first > last:
        return None
    if not notes:
        return line
    return replace(
        line,
        description=f"{line.description} ({'; '.join(notes)})",
        amount=segment_value(line.amount, period, first, last, currency),
        discount_amount=segment_value(line.discount_amount, period, first, last, currency),
        period_start=first,
        period_end=last,
    )


def _fields_after_line_no(
    line: DraftLine,
) -> tuple[str, str, Decimal, Decimal, Decimal, Decimal, date, date, str]:
    return (
        line.product_code,
        line.description,
        line.quantity,
        line.unit_price,
        line.discount_amount,
        line.amount,
        line.period_start,
        line.period_end,
        line.kind,
    )
