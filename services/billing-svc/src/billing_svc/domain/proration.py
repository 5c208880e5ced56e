"""Proration of a mid-period change, exact to the cent.

Rule: the value of the rest of a period from day e on is
    remaining_value(amount, period, e) = round_half_up(amount × remaining_days / days_in_period)
with remaining_days counted from e to the period's last day inclusive, rounded per line at the
currency's exponent. A change effective on e credits the old line's remaining value and charges
the new line's remaining value. A segment [a, b] of the period is worth
remaining_value(a) − remaining_value(b + 1), so any split of a period into segments adds up to
exactly the full period's price (the sum telescopes) and a change made and undone on the same
day nets to zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from billing_svc.domain.calendar import Period
from l2c_schemas.money import round_money


@dataclass(frozen=True)
class RecurringCharge:
    """A recurring line as it is billed per period (net after discount)."""

    product_code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    net_amount: Decimal


@dataclass(frozen=True)
class ProrationLine:
    product_code: str
    description: str
    quantity: Decimal
    amount: Decimal
    """Negative for a credit of unused time, positive for a charge of the remaining time."""
    period_start: date
    period_end: date


def remaining_value(amount: Decimal, period: Period, effective: date, currency: str) -> Decimal:
    """What is left of `amount` (one full period's price) from `effective` to the period's end."""
    if effective <= period.start:
        return amount
    if effective > period.end:
        return Decimal(0) * amount
    remaining_days = (period.end - effective).days + 1
    return round_money(amount * remaining_days / period.days, currency)


def segment_value(
    amount: Decimal, period: Period, first: date, last: date, currency: str
) -> Decimal:
    """The price of days `first`..`last` (inclusive) of the period."""
    return remaining_value(amount, period, first, currency) - remaining_value(
        amount, period, last + timedelta(days=1), currency
    )


def prorate_change(
    old: list[RecurringCharge],
    new: list[RecurringCharge],
    period: Period,
    effective: date,
    currency: str,
) -> list[ProrationLine]:
    """Credit the unused time of changed old lines and charge the remaining time of changed new
    lines, matched by product code. Unchanged lines (same quantity and net) produce nothing;
    a removed product is only credited, an added one only charged."""
    if not period.contains(effective):
        return []
    before = {c.product_code: c for c in old}
    after = {c.product_code: c for c in new}
    lines: list[ProrationLine] = []
    for code in [*before, *(c for c in after if c not in before)]:
        was, now = before.get(code), after.get(code)
        if was and now and (was.quantity, was.net_amount) == (now.quantity, now.net_amount):
            continue
        if was is not None:
            credit = remaining_value(was.net_amount, period, effective, currency)
            if credit:
                lines.append(
                    ProrationLine(
                        code,
                        f"Unused time of {was.description} ({was.quantity})",
                        was.quantity,
                        -credit,
                        effective,
                        period.end,
                    )
                )
        if now is not None:
            charge = remaining_value(now.net_amount, period, effective, currency)
            if charge:
                lines.append(
                    ProrationLine(
                        code,
                        f"Remaining time of {now.description} ({now.quantity})",
                        now.quantity,
                        charge,
                        effective,
                        period.end,
                    )
                )
    return lines
