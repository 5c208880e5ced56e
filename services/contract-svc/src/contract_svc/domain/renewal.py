"""Renewals and termination: when the renewal is due, what the next term costs, and when a
termination takes effect. Pure functions of dates and prices."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from l2c_schemas.cpq import PricedLine
from l2c_schemas.errors import RuleViolation
from l2c_schemas.money import Money, round_money
from l2c_schemas.periods import period_end

HUNDRED = Decimal(100)


def uplift_amount(amount: Decimal, uplift_percent: Decimal, currency: str) -> Decimal:
    """An amount raised by `uplift_percent`, rounded half-up per line:
    1102.50 EUR + 3 % = 1135.575 → 1135.58 EUR."""
    return round_money(amount * (HUNDRED + uplift_percent) / HUNDRED, currency)


def uplift_line(line: PricedLine, uplift_percent: Decimal) -> PricedLine:
    """The line for the next term. The uplift applies to the agreed net price; the list price
    rises by the same percentage and the discount is what separates them, so
    list − discount = net still holds."""
    currency = line.net_amount.currency
    net = uplift_amount(line.net_amount.amount, uplift_percent, currency)
    list_amount = uplift_amount(line.list_amount.amount, uplift_percent, currency)
    factor = (HUNDRED + uplift_percent) / HUNDRED
    return line.model_copy(
        update={
            "unit_price": Money(amount=line.unit_price.amount * factor, currency=currency),
            "list_amount": Money.of(list_amount, currency),
            "discount_amount": Money.of(list_amount - net, currency),
            "net_amount": Money.of(net, currency),
        }
    )


def renewal_lines(lines: list[PricedLine], uplift_percent: Decimal) -> list[PricedLine]:
    """The lines of the next term: the recurring lines uplifted; one-time fees (onboarding)
    are not charged again."""
    return [uplift_line(line, uplift_percent) for line in lines if line.charge == "recurring"]


def renewal_due_on(end_date: date, notice_days: int) -> date:
    """The day RenewalDue is announced: `notice_days` before the term's last day
    (end 2027-11-26, 60 days → 2027-09-27)."""
    return end_date - timedelta(days=notice_days)


def next_term(end_date: date, term_months: int) -> tuple[date, date]:
    """The renewed term: from the day after the current end, for the same number of months
    (end 2027-11-26, 12 months → 2027-11-27 to 2028-11-26)."""
    start = end_date + timedelta(days=1)
    return start, period_end(start, term_months)


def check_renewal_window(today: date, end_date: date, notice_days: int) -> None:
    """A renewal is accepted from the day it is due until the term's last day."""
    opens = renewal_due_on(end_date, notice_days)
    if today < opens:
        raise RuleViolation(f"the renewal window opens on {opens.isoformat()}")
    if today > end_date:
        raise RuleViolation(f"the term ended on {end_date.isoformat()}; it cannot be renewed")


def termination_effective_date(
    today: date, notice_days: int, term_end: date, requested: date | None = None
) -> date:
    """The last day of service of a termination given `today`. Without a requested date the
    contract ends with its current term; a requested date must respect the notice period
    (today + notice_days at the earliest) and fall within the term."""
    earliest = today + timedelta(days=notice_days)
    effective = term_end if requested is None else requested
    if effective < earliest:
        raise RuleViolation(
            f"termination needs {notice_days} days' notice: the earliest last day of service "
            f"is {earliest.isoformat()}, not {effective.isoformat()}"
        )
    if effective > term_end:
        raise RuleViolation(
            f"the term ends on {term_end.isoformat()}; a termination cannot take effect later"
        )
    return effective
