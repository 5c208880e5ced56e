"""Dunning: what to do about an unpaid invoice on a given day, from a schedule kept as data.

The default policy reminds the customer 1, 7 and 14 days after the due date, sends a final
notice at 30 days (which makes the account delinquent: other systems may suspend service),
and writes the invoice off 90 days past due. A step is sent once; when the scheduler was away
(or the clock jumped) only the latest step that is due is sent, so a customer never gets a
burst of stale reminders; the skipped steps still count as done.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class DunningStep:
    days_after_due: int
    name: str
    channel: str = "email"
    final: bool = False


@dataclass(frozen=True)
class DunningPolicy:
    steps: tuple[DunningStep, ...]
    write_off_after_days: int | None = 90
    """Days past due after which the open balance is written off; None: never."""

    def __post_init__(self) -> None:
        days = [s.days_after_due for s in self.steps]
        if days != sorted(set(days)) or any(d < 1 for d in days):
            raise ValueError("dunning steps need distinct, increasing days after due (≥ 1)")
        if sum(s.final for s in self.steps) > 1 or (
            any(s.final for s in self.steps) and not self.steps[-1].final
        ):
            raise ValueError("only the last dunning step may be final")

    @classmethod
    def from_json(cls, text: str) -> DunningPolicy:
        """E.g. {"steps": [{"days_after_due": 3, "name": "reminder"}, …],
        "write_off_after_days": 120}."""
        data = json.loads(text)
        return cls(
            tuple(DunningStep(**step) for step in data["steps"]),
            data.get("write_off_after_days", 90),
        )


DEFAULT_POLICY = DunningPolicy(
    (
        DunningStep(1, "first reminder"),
        DunningStep(7, "second reminder"),
        DunningStep(14, "third reminder"),
        DunningStep(30, "final notice", channel="email+letter", final=True),
    ),
    write_off_after_days=90,
)


@dataclass(frozen=True)
class DunningDecision:
    days_past_due: int
    overdue: bool = False
    """The invoice has just become overdue (announce it once)."""
    notice: int | None = None
    """Number (1-based) of the step to send now, if any."""
    delinquent: bool = False
    """The step sent now is final: the account becomes delinquent."""
    write_off: bool = False


def decide_dunning(
    policy: DunningPolicy,
    due_date: date,
    today: date,
    steps_sent: int,
    overdue_announced: bool,
) -> DunningDecision:
    """What to do today about an invoice still owing money, given what was done before."""
    days = (today - due_date).days
    if days < 1:
        return DunningDecision(days)
    due_steps = [i for i, s in enumerate(policy.steps, 1) if s.days_after_due <= days]
    latest = due_steps[-1] if due_steps else 0
    notice = latest if latest > steps_sent else None
    return DunningDecision(
        days_past_due=days,
        overdue=not overdue_announced,
        notice=notice,
        delinquent=notice is not None and policy.steps[notice - 1].final,
        write_off=policy.write_off_after_days is not None and days >= policy.write_off_after_days,
    )


def next_dunning_day(
    policy: DunningPolicy, due_date: date, steps_sent: int, today: date
) -> date | None:
    """The next day dunning has something to do for an invoice still owing money: the day
    of the next step not yet sent, or of the write-off; None when nothing is left to do."""
    offsets = [s.days_after_due for s in policy.steps[steps_sent:]]
    if policy.write_off_after_days is not None:
        offsets.append(policy.write_off_after_days)
    days = [due_date + timedelta(days=d) for d in offsets]
    return min((d for d in days if d > today), default=None)
