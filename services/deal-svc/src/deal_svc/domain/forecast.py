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
