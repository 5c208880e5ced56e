"""Free trials: which days are free, when the customer is told, when charging starts. Pure.

A trial of `days` days from a subscription's start makes its first `days` days free: a trial
of 14 days from 1 March ends on 14 March (its last free day), and the first paid day, 15
March, is when the first invoice is issued. Recurring items are charged from that day by the
day-based rule of the period it falls in (drafting._paid_part). The customer is told
`notice_days` days ahead: with 3, on 12 March (TrialEnding), and again on 15 March when it is
over (TrialEnded). A cancellation whose last day of service is inside the trial bills
nothing: no recurring charge, no one-time fee, no usage.
"""

from __future__ import annotations

from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def trial_end(start: date, days: int) -> date | None:
    """Last free day of a trial of `days` days from `start` (None without a trial).

    >>> trial_end(date(2026, 3, 1), 14)
    datetime.date(2026, 3, 14)
    """
    return start + timedelta(days=days - 1) if days > 0 else None


def first_charge_date(end: date) -> date:
    """The first paid day: the day after the trial's last free day."""
    return end + ONE_DAY


def notice_date(end: date, notice_days: int) -> date:
    """When TrialEnding is due: `notice_days` days before the first paid day (14-day trial
    from 1 March, 3 days' notice: 12 March). A trial shorter than its notice is announced as
    soon as it starts."""
    return first_charge_date(end) - timedelta(days=notice_days)


def ending_notice_due(end: date, notice_days: int, today: date) -> bool:
    """Whether TrialEnding is to be sent today: from its notice date while the trial lasts
    (a notice that comes after the trial would announce something already past)."""
    return notice_date(end, notice_days) <= today <= end


def cancelled_in_trial(end: date | None, last_day: date) -> bool:
    """Whether a last day of service falls inside the trial (so nothing is ever billed)."""
    return end is not None and last_day <= end


def free_period(end: date | None, period_end: date) -> bool:
    """Whether a whole period lies inside the trial (an invoice of it would be empty)."""
    return end is not None and period_end <= end


def charged_from(effective: date, end: date | None) -> date:
    """The first day a change effective on `effective` is charged for: never a free day."""
    return effective if end is None else max(effective, first_charge_date(end))
