"""The lead-to-cash metrics, computed from journeys' milestones (docs/insights.md defines
each). Pure functions: the period and the grouping are arguments."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from insights_svc.domain.journey import Milestones

GROUPS = ("owner", "team", "segment", "source", "campaign", "currency", "cohort")
Group = Literal["owner", "team", "segment", "source", "campaign", "currency", "cohort"]
"""`cohort` is the month of capture (`2026-01`)."""
NO_GROUP = "(none)"


@dataclass(frozen=True)
class Duration:
    """Time from `start` to `end` of each journey whose `end` falls in the period."""

    start: str
    end: str
    description: str


@dataclass(frozen=True)
class Rate:
    """Of the journeys whose `base` falls in the period, those that satisfy `reached`."""

    base: str
    reached: Callable[[Milestones], bool]
    description: str
    requires: Callable[[Milestones], bool] = lambda m: True


def _quote_priced_exactly(m: Milestones) -> bool:
    return (
        m.accepted_quote_net is not None
        and m.first_invoice_subtotal is not None
        and m.accepted_quote_net == m.first_invoice_subtotal
    )


DEFINITIONS: dict[str, Duration | Rate] = {
    "lead_to_first_contact": Duration(
        "captured_at", "first_contact_at", "lead captured -> first contact by sales"
    ),
    "sales_cycle": Duration(
        "opportunity_opened_at", "won_at", "opportunity opened -> deal closed won"
    ),
    "quote_generation_time": Duration(
        "opportunity_opened_at", "quote_sent_at", "opportunity opened -> first quote sent"
    ),
    "contract_approval_time": Duration(
        "contract_drafted_at", "contract_approved_at", "contract drafted -> contract approved"
    ),
    "signature_to_invoice": Duration(
        "contract_signed_at", "first_invoice_at", "contract signed -> first invoice issued"
    ),
    "lead_to_cash": Duration("captured_at", "paid_at", "lead captured -> first invoice paid"),
    "lead_to_opportunity_rate": Rate(
        "captured_at",
        lambda m: m.opportunity_opened_at is not None,
        "leads captured in the period that became an opportunity",
    ),
    "opportunity_win_rate": Rate(
        "won_or_lost_at",
        lambda m: m.won_at is not None,
        "deals closed in the period that were won",
    ),
    "quote_to_close_rate": Rate(
        "quote_sent_at",
        lambda m: m.won_at is not None,
        "journeys whose first quote was sent in the period whose deal was won",
    ),
    "quote_accuracy": Rate(
        "first_invoice_at",
        _quote_priced_exactly,
        "won deals first invoiced in the period whose first invoice's subtotal is exactly "
        "the accepted quote's net total",
        requires=lambda m: m.won_at is not None and m.accepted_quote_net is not None,
    ),
}


def _time(m: Milestones, name: str) -> datetime | None:
    if name == "won_or_lost_at":
        return m.won_at or m.lost_at
    value = getattr(m, name)
    return value if isinstance(value, datetime) else None


def in_period(when: datetime | None, start: datetime | None, end: datetime | None) -> bool:
    """`start` inclusive, `end` exclusive; None is unbounded."""
    if when is None:
        return False
    return (start is None or when >= start) and (end is None or when < end)


def percentile(sorted_values: Sequence[float], p: int) -> float:
    """Nearest-rank percentile: the smallest value with at least p% of values at or below."""
    if not sorted_values:
        raise ValueError("no values")
    rank = max(1, math.ceil(p * len(sorted_values) / 100))
    return sorted_values[rank - 1]


def group_key(m: Milestones, by: Group | None) -> str:
    if by is None:
        return "all"
    if by == "cohort":
        return m.captured_at.strftime("%Y-%m") if m.captured_at else NO_GROUP
    value = getattr(m, by)
    return value if isinstance(value, str) and value else NO_GROUP


def duration_stats(seconds: Sequence[float]) -> dict[str, object]:
    values = sorted(seconds)
    if not values:
        return {"count": 0, "p50_seconds": None, "p90_seconds": None, "mean_seconds": None}
    return {
        "count": len(values),
        "p50_seconds": percentile(values, 50),
        "p90_seconds": percentile(values, 90),
        "mean_seconds": sum(values) / len(values),
    }


RATE_PLACES = Decimal("0.0001")


def ratio(numerator: int, denominator: int) -> str:
    """numerator / denominator as a decimal string rounded half-even to 4 places."""
    return str((Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES))


def rate_stats(numerator: int, denominator: int) -> dict[str, object]:
    rate = None if denominator == 0 else ratio(numerator, denominator)
    return {"numerator": numerator, "denominator": denominator, "rate": rate}


def compute(
    name: str,
    journeys: Sequence[Milestones],
    start: datetime | None = None,
    end: datetime | None = None,
    by: Group | None = None,
) -> dict[str, dict[str, object]]:
    """The metric `name` per group (`all` when not grouped)."""
    definition = DEFINITIONS[name]
    if isinstance(definition, Duration):
        samples: dict[str, list[float]] = defaultdict(list)
        for m in journeys:
            began, ended = _time(m, definition.start), _time(m, definition.end)
            if began is not None and ended is not None and in_period(ended, start, end):
                samples[group_key(m, by)].append((ended - began).total_seconds())
        return {key: duration_stats(values) for key, values in sorted(samples.items())}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for m in journeys:
        if in_period(_time(m, definition.base), start, end) and definition.requires(m):
            pair = counts[group_key(m, by)]
            pair[1] += 1
            pair[0] += int(definition.reached(m))
    return {key: rate_stats(n, d) for key, (n, d) in sorted(counts.items())}


FUNNEL = (
    ("captured", "captured_at"),
    ("contacted", "first_contact_at"),
    ("qualified", "qualified_at"),
    ("opportunity", "opportunity_opened_at"),
    ("quote_sent", "quote_sent_at"),
    ("quote_accepted", "quote_accepted_at"),
    ("contract_signed", "contract_signed_at"),
    ("won", "won_at"),
    ("invoiced", "first_invoice_at"),
    ("paid", "paid_at"),
)


def funnel_by(
    journeys: Sequence[Milestones], start: datetime | None, end: datetime | None, by: Group
) -> dict[str, list[dict[str, object]]]:
    """The funnel of each group of journeys."""
    groups: dict[str, list[Milestones]] = {}
    for m in journeys:
        groups.setdefault(group_key(m, by), []).append(m)
    return {key: funnel(groups[key], start, end) for key in sorted(groups)}


def funnel(
    journeys: Sequence[Milestones], start: datetime | None = None, end: datetime | None = None
) -> list[dict[str, object]]:
    """Of the leads captured in the period, how many reached each stage (at any time since;
    a journey that reached a later stage passed this one, e.g. a deal won without a recorded
    first contact), and the drop-off from the stage before (the share that did not go on)."""
    cohort = [m for m in journeys if in_period(m.captured_at, start, end)]
    rows: list[dict[str, object]] = []
    previous: int | None = None
    for index, (stage, _) in enumerate(FUNNEL):
        later = [attribute for _, attribute in FUNNEL[index:]]
        reached = sum(1 for m in cohort if any(getattr(m, a) is not None for a in later))
        drop_off = None
        if previous:
            drop_off = ratio(previous - reached, previous)
        rows.append({"stage": stage, "count": reached, "drop_off": drop_off})
        previous = reached
    return rows
