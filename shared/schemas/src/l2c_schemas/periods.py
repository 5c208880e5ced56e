"""Calendar rules of the contract: what a billing period is, and how terms and periods end.

A period is [start, end] with `end` inclusive; a month after 31 January is 28/29 February
(the day is clamped to the month's last day)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from l2c_schemas.cpq import BillingPeriod

MONTHS_PER_PERIOD: dict[str, int] = {"month": 1, "quarter": 3, "year": 12}


def months_in(period: BillingPeriod) -> int:
    """1 for month, 3 for quarter, 12 for year."""
    return MONTHS_PER_PERIOD[period]


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the end of a shorter month:
    2026-01-31 + 1 month = 2026-02-28; 2028-01-31 + 1 month = 2028-02-29."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def period_end(start: date, months: int) -> date:
    """Last day (inclusive) of a span of `months` starting on `start`:
    2026-01-15 + 1 month ends 2026-02-14."""
    return add_months(start, months) - timedelta(days=1)
