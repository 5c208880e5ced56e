"""Billing periods anchored on the subscription's start.

Period k is [anchor + k·m months, anchor + (k+1)·m months − 1 day] (l2c_schemas.periods.add_months,
clamped to short months). Periods are always computed from the anchor, never chained from the
previous period's end: chaining drifts (31 Jan → 28 Feb → 28 Mar …) while anchoring keeps
31 Jan → 28 Feb → 31 Mar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from l2c_schemas.periods import add_months


@dataclass(frozen=True)
class Period:
    index: int
    start: date
    end: date
    """Last day, inclusive."""

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def service_period(anchor: date, months: int, index: int) -> Period:
    """The `index`-th period (0-based) of a subscription anchored on `anchor`."""
    start = add_months(anchor, index * months)
    end = add_months(anchor, (index + 1) * months) - timedelta(days=1)
    return Period(index, start, end)


def period_index_of(anchor: date, months: int, day: date) -> int:
    """Index of the period that contains `day` (negative before the anchor)."""
    elapsed = (day.year - anchor.year) * 12 + (day.month - anchor.month)
    index = elapsed // months
    # add_months clamps, so the estimate may be one off either way near month ends.
    while service_period(anchor, months, index).start > day:
        index -= 1
    while service_period(anchor, months, index).end < day:
        index += 1
    return index


def is_due(period_start: date, today: date, grace_days: int) -> bool:
    """An invoice for a period starting on `period_start` is due once its grace window for late
    usage of the previous period has passed: on `period_start + grace_days` or later."""
    return period_start + timedelta(days=grace_days) <= today
