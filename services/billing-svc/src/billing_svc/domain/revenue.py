"""Revenue schedules (ASC 606 / IFRS 15 basics) of invoice lines, by calendar month.

- Subscription lines are recognised ratably by day over their service period. Each month gets
  amount × days_in_month_within_period / days_in_period; the cents left over after rounding
  every share down are handed out one by one to the months with the largest remainders
  (earliest month first on ties). The months therefore add up EXACTLY to the line amount.
- One-off fees are recognised at a point in time: the month their service starts.
- Usage is recognised as delivered: the month its usage period ends (it is all delivered then).
A negative line (a credit) gets the mirror schedule of the positive one.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal

from l2c_schemas.money import currency_exponent


def month_of(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def days_by_month(start: date, end: date) -> list[tuple[date, int]]:
    """(first day of month, days of [start, end] in that month), in calendar order."""
    result: list[tuple[date, int]] = []
    month = month_of(start)
    while month <= end:
        first = max(start, month)
        last = min(end, _next_month(month) - timedelta(days=1))
        result.append((month, (last - first).days + 1))
        month = _next_month(month)
    return result


def ratable_schedule(
    amount: Decimal, start: date, end: date, currency: str
) -> list[tuple[date, Decimal]]:
    """Monthly shares of `amount` for the service period [start, end], largest remainder."""
    if amount < 0:
        return [(m, -a) for m, a in ratable_schedule(-amount, start, end, currency)]
    cent = Decimal(1).scaleb(-currency_exponent(currency))
    months = days_by_month(start, end)
    total_days = sum(days for _, days in months)
    exact = [amount * days / total_days for _, days in months]
    floors = [(x / cent).to_integral_value(rounding=ROUND_FLOOR) * cent for x in exact]
    left_over = int((amount - sum(floors, Decimal(0))) / cent)
    by_remainder = sorted(range(len(months)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in by_remainder[:left_over]:
        floors[i] += cent
    return [(months[i][0], floors[i]) for i in range(len(months))]


def point_in_time_schedule(amount: Decimal, day: date) -> list[tuple[date, Decimal]]:
    """All of `amount` in the month of `day`."""
    return [(month_of(day), amount)]


def line_schedule(
    kind: str, amount: Decimal, start: date, end: date, currency: str
) -> list[tuple[date, Decimal]]:
    """The schedule of one invoice line by its kind (recurring, proration, one_time, usage)."""
    if kind in ("recurring", "proration"):
        return ratable_schedule(amount, start, end, currency)
    if kind == "usage":
        return point_in_time_schedule(amount, end)
    return point_in_time_schedule(amount, start)
