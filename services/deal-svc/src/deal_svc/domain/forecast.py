"""The sales forecast: what the pipeline is expected to bring in during a period.

Each deal counts in the period of its close date (the actual one once closed, else the
expected one) under its forecast category. Categories partition the forecast; the cumulative
views read as sales managers call them: commit = closed + commit, best case = closed + commit
+ best case. The weighted pipeline is Σ amount × probability over open deals, rounded half-up
per deal (totals are sums of rounded lines). Amounts of different currencies are never added:
every total is per currency.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from deal_svc.domain.pipeline import ForecastCategory
from l2c_schemas.errors import RuleViolation
from l2c_schemas.money import round_money

GroupBy = Literal["owner", "stage", "none"]
UNASSIGNED = "unassigned"
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    """A calendar period, both ends inclusive."""

    label: str
    first_day: date
    last_day: date

    def __contains__(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


def _last_day_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def parse_period(label: str) -> Period:
    """`2026-Q4` (a quarter), `2026-11` (a month) or `2026` (a year); RuleViolation otherwise."""
    label = label.strip()
    if match := _QUARTER.match(label):
        year, quarter = int(match[1]), int(match[2])
        first_month = 3 * quarter - 2
        return Period(label, date(year, first_month, 1), _last_day_of_month(year, first_month + 2))
    if match := _MONTH.match(label):
        year, month = int(match[1]), int(match[2])
        return Period(label, date(year, month, 1), _last_day_of_month(year, month))
    if match := _YEAR.match(label):
        year = int(match[1])
        return Period(label, date(year, 1, 1), date(year, 12, 31))
    raise RuleViolation(
        f"unknown period {label!r}: use a quarter (2026-Q4), a month (2026-11) or a year (2026)"
    )


@dataclass(frozen=True)
class ForecastDeal:
    """One deal as the forecast sees it."""

    amount: Decimal
    currency: str
    probability: int
    category: ForecastCategory
    close_date: date
    is_open: bool
    owner: str | None = None
    stage: str = ""
    team: str | None = None


@dataclass
class ForecastTotals:
    """Totals of one group in one currency."""

    currency: str
    pipeline: Decimal = Decimal(0)
    best_case: Decimal = Decimal(0)
    commit: Decimal = Decimal(0)
    closed: Decimal = Decimal(0)
    weighted_pipeline: Decimal = Decimal(0)
    deals: int = 0

    @property
    def open_pipeline(self) -> Decimal:
        """Unweighted value of the open deals that count."""
        return self.pipeline + self.best_case + self.commit

    @property
    def commit_forecast(self) -> Decimal:
        return self.closed + self.commit

    @property
    def best_case_forecast(self) -> Decimal:
        return self.closed + self.commit + self.best_case

    def add(self, deal: ForecastDeal) -> None:
        if deal.category == "omitted":
            return
        setattr(self, deal.category, getattr(self, deal.category) + deal.amount)
        if deal.is_open:
            self.weighted_pipeline += weighted_amount(deal)
        self.deals += 1


@dataclass(frozen=True)
class ForecastGroup:
    key: str
    totals: tuple[ForecastTotals, ...]


@dataclass(frozen=True)
class Forecast:
    period: Period
    group_by: GroupBy
    groups: tuple[ForecastGroup, ...]
    overall: tuple[ForecastTotals, ...] = field(default=())


def weighted_amount(deal: ForecastDeal) -> Decimal:
    """amount × probability, rounded half-up to the currency's minor unit."""
    return round_money(deal.amount * deal.probability / Decimal(100), deal.currency)


def _group_key(deal: ForecastDeal, group_by: GroupBy) -> str:
    if group_by == "owner":
        return deal.owner or UNASSIGNED
    if group_by == "stage":
        return deal.stage
    return "all"


def _sorted(by_currency: dict[str, ForecastTotals]) -> tuple[ForecastTotals, ...]:
    return tuple(by_currency[c] for c in sorted(by_currency))


def forecast(deals: Iterable[ForecastDeal], period: Period, group_by: GroupBy) -> Forecast:
    """The forecast of the deals closing in `period`, grouped by owner, by stage or not at all
    (`none`), plus the overall totals. Deals outside the period and omitted deals (lost) do
    not count; groups and currencies come out sorted."""
    groups: dict[str, dict[str, ForecastTotals]] = {}
    overall: dict[str, ForecastTotals] = {}
    for deal in deals:
        if deal.category == "omitted" or deal.close_date not in period:
            continue
        group = groups.setdefault(_group_key(deal, group_by), {})
        group.setdefault(deal.currency, ForecastTotals(deal.currency)).add(deal)
        overall.setdefault(deal.currency, ForecastTotals(deal.currency)).add(deal)
    return Forecast(
        period,
        group_by,
        tuple(ForecastGroup(key, _sorted(groups[key])) for key in sorted(groups)),
        _sorted(overall),
    )


# --- Forecast accuracy -------------------------------------------------------------------
#
# Every day the forecast of the current month and quarter is kept as a snapshot, per owner,
# team and currency. A period's *call* is its first snapshot taken within the period (what the
# team expected as the period began); once the period has run, the call is compared with what
# was actually won in it.

AccuracyGroup = Literal["owner", "team", "none"]


@dataclass(frozen=True)
class SnapshotLine:
    """One owner's forecast of one period in one currency, as it stood on `taken_on`."""

    period: str
    taken_on: date
    owner: str
    team: str
    currency: str
    closed: Decimal
    commit_forecast: Decimal
    best_case_forecast: Decimal
    weighted_forecast: Decimal
    """closed + the weighted open pipeline."""


def snapshot(deals: Iterable[ForecastDeal], period: Period, taken_on: date) -> list[SnapshotLine]:
    """The period's forecast per (owner, team, currency), as of `taken_on`."""
    totals: dict[tuple[str, str, str], ForecastTotals] = {}
    for deal in deals:
        if deal.category == "omitted" or deal.close_date not in period:
            continue
        key = (deal.owner or UNASSIGNED, deal.team or UNASSIGNED, deal.currency)
        totals.setdefault(key, ForecastTotals(deal.currency)).add(deal)
    return [
        SnapshotLine(
            period=period.label,
            taken_on=taken_on,
            owner=owner,
            team=team,
            currency=currency,
            closed=t.closed,
            commit_forecast=t.commit_forecast,
            best_case_forecast=t.best_case_forecast,
            weighted_forecast=t.closed + t.weighted_pipeline,
        )
        for (owner, team, currency), t in sorted(totals.items())
    ]


@dataclass(frozen=True)
class Accuracy:
    """The call against what was won, for one group in one currency. `attainment` is actual /
    commit forecast and `error` |actual − commit forecast| / commit forecast, both to four
    decimal places (half-up); None when nothing was committed."""

    key: str
    currency: str
    commit_forecast: Decimal
    best_case_forecast: Decimal
    weighted_forecast: Decimal
    actual: Decimal
    attainment: Decimal | None
    error: Decimal | None


_RATIO = Decimal("0.0001")


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if denominator == 0:
        return None
    return (numerator / denominator).quantize(_RATIO, rounding="ROUND_HALF_UP")


def _accuracy_key(owner: str, team: str, group_by: AccuracyGroup) -> str:
    return owner if group_by == "owner" else team if group_by == "team" else "all"


def accuracy(
    call: Iterable[SnapshotLine],
    won: Iterable[ForecastDeal],
    period: Period,
    group_by: AccuracyGroup,
) -> list[Accuracy]:
    """The call of `period` against the deals won in it (their amounts, by the day they were
    won), per group and currency. A group with wins but no call counts with a forecast of 0."""
    called: dict[tuple[str, str], list[Decimal]] = {}
    for line in call:
        key = (_accuracy_key(line.owner, line.team, group_by), line.currency)
        sums = called.setdefault(key, [Decimal(0)] * 3)
        sums[0] += line.commit_forecast
        sums[1] += line.best_case_forecast
        sums[2] += line.weighted_forecast
    actual: dict[tuple[str, str], Decimal] = {}
    for deal in won:
        if deal.is_open or deal.close_date not in period:
            continue
        key = (
            _accuracy_key(deal.owner or UNASSIGNED, deal.team or UNASSIGNED, group_by),
            deal.currency,
        )
        actual[key] = actual.get(key, Decimal(0)) + deal.amount
    results = []
    for key in sorted(called.keys() | actual.keys()):
        commit, best, weighted = called.get(key, [Decimal(0)] * 3)
        got = actual.get(key, Decimal(0))
        results.append(
            Accuracy(
                key=key[0],
                currency=key[1],
                commit_forecast=commit,
                best_case_forecast=best,
                weighted_forecast=weighted,
                actual=got,
                attainment=_ratio(got, commit),
                error=_ratio(abs(got - commit), commit),
            )
        )
    return results
