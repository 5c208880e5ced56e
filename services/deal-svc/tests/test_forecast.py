"""The forecast: periods, categories, weighting — hand-computed, plus the laws it obeys."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deal_svc.domain.forecast import (
    ForecastDeal,
    ForecastTotals,
    Period,
    forecast,
    parse_period,
    weighted_amount,
)
from deal_svc.domain.pipeline import FORECAST_CATEGORIES
from l2c_runtime.errors import RuleViolation
from l2c_schemas.money import currency_exponent

Q4 = parse_period("2026-Q4")


def deal(
    amount: str,
    probability: int,
    category: str,
    close: date,
    owner: str | None = None,
    stage: str = "proposal",
    currency: str = "EUR",
) -> ForecastDeal:
    return ForecastDeal(
        amount=Decimal(amount),
        currency=currency,
        probability=probability,
        category=category,  # type: ignore[arg-type]
        close_date=close,
        is_open=category not in {"closed", "omitted"},
        owner=owner,
        stage=stage,
    )


BOOK = [
    deal("1000.00", 10, "pipeline", date(2026, 10, 15), "ada", "qualification"),
    deal("2602.50", 50, "best_case", date(2026, 11, 30), "ada", "proposal"),
    deal("333.33", 75, "commit", date(2026, 12, 31), "grace", "negotiation"),
    deal("5000.00", 100, "closed", date(2026, 11, 2), "grace", "closed_won"),
    deal("999.99", 0, "omitted", date(2026, 11, 2), "grace", "closed_lost"),
    deal("700.00", 20, "pipeline", date(2027, 1, 1), "ada", "discovery"),
    deal("1500.00", 50, "best_case", date(2026, 10, 1), None, "proposal", "USD"),
]


@pytest.mark.parametrize(
    ("label", "first", "last"),
    [
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_a_period_is_a_quarter_a_month_or_a_year(label: str, first: date, last: date) -> None:
    assert parse_period(label) == Period(label, first, last)


@pytest.mark.parametrize("label", ["2026-Q5", "Q4-2026", "2026-13", "next quarter", ""])
def test_an_unknown_period_is_refused_with_the_accepted_forms(label: str) -> None:
    with pytest.raises(RuleViolation, match=r"2026-Q4.*2026-11.*2026"):
        parse_period(label)


def test_weighting_rounds_half_up_per_deal() -> None:
    assert weighted_amount(deal("12.05", 10, "pipeline", date(2026, 10, 1))) == Decimal("1.21")
    assert weighted_amount(deal("333.33", 75, "commit", date(2026, 10, 1))) == Decimal("250.00")
    yen = deal("1005", 50, "pipeline", date(2026, 10, 1), currency="JPY")
    assert weighted_amount(yen) == Decimal("503")


def test_the_quarter_totals_each_category_and_weights_only_open_deals() -> None:
    eur, usd = forecast(BOOK, Q4, "none").overall
    assert eur == ForecastTotals(
        currency="EUR",
        pipeline=Decimal("1000.00"),
        best_case=Decimal("2602.50"),
        commit=Decimal("333.33"),
        closed=Decimal("5000.00"),
        # 100.00 + 1301.25 + 250.00 (333.33 × 75 % = 249.9975 → 250.00)
        weighted_pipeline=Decimal("1651.25"),
        deals=4,
    )
    assert eur.open_pipeline == Decimal("3935.83")
    assert eur.commit_forecast == Decimal("5333.33")
    assert eur.best_case_forecast == Decimal("7935.83")
    assert (usd.currency, usd.best_case, usd.weighted_pipeline, usd.deals) == (
        "USD",
        Decimal("1500.00"),
        Decimal("750.00"),
        1,
    )


def test_grouped_by_owner_unowned_deals_fall_under_unassigned() -> None:
    groups = {g.key: g.totals for g in forecast(BOOK, Q4, "owner").groups}
    assert list(groups) == ["ada", "grace", "unassigned"]
    (ada,) = groups["ada"]
    assert (ada.pipeline, ada.best_case, ada.weighted_pipeline) == (
        Decimal("1000.00"),
        Decimal("2602.50"),
        Decimal("1401.25"),
    )
    (grace,) = groups["grace"]
    assert (grace.commit, grace.closed, grace.weighted_pipeline, grace.deals) == (
        Decimal("333.33"),
        Decimal("5000.00"),
        Decimal("250.00"),
        2,
    )
    assert [t.currency for t in groups["unassigned"]] == ["USD"]


def test_grouped_by_stage_each_stage_holds_its_deals() -> None:
    groups = {g.key: g.totals for g in forecast(BOOK, Q4, "stage").groups}
    assert sorted(groups) == ["closed_won", "negotiation", "proposal", "qualification"]
    assert [(t.currency, t.best_case) for t in groups["proposal"]] == [
        ("EUR", Decimal("2602.50")),
        ("USD", Decimal("1500.00")),
    ]


def test_deals_outside_the_period_and_lost_deals_do_not_count() -> None:
    november = forecast(BOOK, parse_period("2026-11"), "none").overall
    assert [(t.currency, t.best_case, t.closed, t.deals) for t in november] == [
        ("EUR", Decimal("2602.50"), Decimal("5000.00"), 2)
    ]
    assert forecast(BOOK, parse_period("2025"), "owner").groups == ()


# --- laws ---------------------------------------------------------------------------------

deals = st.builds(
    # Amounts are whole minor units of their currency, as the database stores them.
    lambda minor, probability, category, day, owner, currency: deal(
        str(Decimal(minor).scaleb(-currency_exponent(currency))),
        probability,
        category,
        date.fromordinal(day),
        owner,
        "s",
        currency,
    ),
    st.integers(0, 10**9),
    st.integers(0, 100),
    st.sampled_from(FORECAST_CATEGORIES),
    st.integers(date(2026, 1, 1).toordinal(), date(2027, 12, 31).toordinal()),
    st.sampled_from([None, "ada", "grace", "alan"]),
    st.sampled_from(["EUR", "USD", "JPY"]),
)
books = st.lists(deals, max_size=30)
periods = st.sampled_from(["2026", "2026-Q2", "2026-Q4", "2027-03"]).map(parse_period)


@given(books, periods)
def test_the_weighted_pipeline_never_exceeds_the_open_pipeline(
    book: list[ForecastDeal], period: Period
) -> None:
    for totals in forecast(book, period, "none").overall:
        assert 0 <= totals.weighted_pipeline <= totals.open_pipeline


@given(books, periods)
def test_the_forecast_categories_partition_the_deals_that_count(
    book: list[ForecastDeal], period: Period
) -> None:
    counted = [d for d in book if d.close_date in period and d.category != "omitted"]
    for totals in forecast(book, period, "none").overall:
        mine = [d.amount for d in counted if d.currency == totals.currency]
        assert totals.pipeline + totals.best_case + totals.commit + totals.closed == sum(mine)
        assert totals.deals == len(mine)


@given(books, periods, st.sampled_from(["owner", "stage"]))
def test_the_groups_add_up_to_the_overall_totals(
    book: list[ForecastDeal], period: Period, group_by: str
) -> None:
    result = forecast(book, period, group_by)  # type: ignore[arg-type]
    for overall in result.overall:
        in_groups = [t for g in result.groups for t in g.totals if t.currency == overall.currency]
        assert sum(t.weighted_pipeline for t in in_groups) == overall.weighted_pipeline
        assert sum(t.best_case_forecast for t in in_groups) == overall.best_case_forecast


@given(books, periods)
def test_the_forecast_does_not_depend_on_the_order_of_the_deals(
    book: list[ForecastDeal], period: Period
) -> None:
    assert forecast(book, period, "owner") == forecast(list(reversed(book)), period, "owner")
