"""Receivables reports as pure functions: aging, days sales outstanding, cash collected."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from l2c_schemas.periods import add_months

AGING_BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")
Granularity = Literal["day", "month", "quarter", "year"]
ZERO = Decimal(0)


def aging_bucket(due_date: date, as_of: date) -> str:
    """The bucket of an open balance by days past due on `as_of`: not yet past due is
    current; 1–30, 31–60, 61–90 days; 90+ from day 91."""
    days = (as_of - due_date).days
    if days <= 0:
        return "current"
    if days <= 30:
        return "1-30"
    if days <= 60:
        return "31-60"
    if days <= 90:
        return "61-90"
    return "90+"


def age_receivables(open_items: Iterable[tuple[date, Decimal]], as_of: date) -> dict[str, Decimal]:
    """Sum the open balances (due date, balance) per aging bucket; every bucket is present.
    Settled items (balance 0) add nothing."""
    buckets = dict.fromkeys(AGING_BUCKETS, ZERO)
    for due_date, balance in open_items:
        if balance:
            buckets[aging_bucket(due_date, as_of)] += balance
    return buckets


def days_sales_outstanding(
    ending_receivables: Decimal, credit_sales: Decimal, days_in_period: int
) -> Decimal | None:
    """DSO = ending receivables ÷ credit sales of the period × days in the period, rounded
    half-up to a tenth of a day; None when nothing was sold on credit in the period.

    Ending receivables are what invoices still owe at the end of the period (unapplied cash
    is not netted); credit sales are the totals of the invoices issued in it."""
    if credit_sales <= 0:
        return None
    dso = ending_receivables / credit_sales * days_in_period
    return dso.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def period_start(day: date, granularity: Granularity) -> date:
    """The first day of the day/month/quarter/year containing `day`."""
    if granularity == "day":
        return day
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return date(day.year, 1, 1)


def next_period(start: date, granularity: Granularity) -> date:
    if granularity == "day":
        return start + timedelta(days=1)
    return add_months(start, {"month": 1, "quarter": 3, "year": 12}[granularity])


@dataclass(frozen=True)
class Collected:
    period_start: date
    amount: Decimal


def cash_collected(
    receipts: Iterable[tuple[date, Decimal]],
    start: date,
    end: date,
    granularity: Granularity = "month",
) -> list[Collected]:
    """Cash received per period from the period containing `start` to the one containing
    `end` (inclusive), every period listed even when nothing came in. Receipts outside
    [start, end] are not counted."""
    if end < start:
        raise ValueError("the report ends before it starts")
    totals: dict[date, Decimal] = {}
    cursor = period_start(start, granularity)
    while cursor <= end:
        totals[cursor] = ZERO
        cursor = next_period(cursor, granularity)
    for day, amount in receipts:
        if start <= day <= end:
            totals[period_start(day, granularity)] += amount
    return [Collected(p, a) for p, a in totals.items()]
