"""Forecast accuracy: the period's call (its first daily snapshot) against what was won in it,
hand-computed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from deal_svc.domain.forecast import ForecastDeal, accuracy, parse_period, snapshot

NOVEMBER = parse_period("2026-11")
CALL_DAY = date(2026, 11, 1)


def deal(
    amount: str,
    probability: int,
    category: str,
    close: date,
    owner: str | None,
    team: str | None,
    currency: str = "EUR",
    is_open: bool = True,
) -> ForecastDeal:
    return ForecastDeal(
        amount=Decimal(amount),
        currency=currency,
        probability=probability,
        category=category,  # type: ignore[arg-type]
        close_date=close,
        is_open=is_open,
        owner=owner,
        team=team,
    )


# The pipeline as it stood on 1 November.
PIPELINE = [
    deal("1000.00", 80, "commit", date(2026, 11, 20), "ana", "emea"),
    deal("500.00", 40, "best_case", date(2026, 11, 25), "ana", "emea"),
    deal("200.00", 10, "pipeline", date(2026, 11, 28), "ana", "emea"),
    deal("100.01", 33, "pipeline", date(2026, 11, 29), "ana", "emea"),
    deal("2000.00", 90, "commit", date(2026, 11, 15), "bob", "us", "USD"),
    deal("900.00", 0, "omitted", date(2026, 11, 10), "bob", "us", "USD"),  # lost: not forecast
    deal("700.00", 90, "commit", date(2026, 12, 3), "ana", "emea"),  # December
]


def test_a_snapshot_keeps_the_forecast_per_owner_team_and_currency() -> None:
    lines = snapshot(PIPELINE, NOVEMBER, CALL_DAY)
    assert [(x.owner, x.team, x.currency) for x in lines] == [
        ("ana", "emea", "EUR"),
        ("bob", "us", "USD"),
    ]
    ana, bob = lines
    # commit: nothing closed + 1000.00; best case: + 500.00
    assert (ana.closed, ana.commit_forecast, ana.best_case_forecast) == (
        Decimal("0"),
        Decimal("1000.00"),
        Decimal("1500.00"),
    )
    # weighted: 800.00 + 200.00 + 20.00 + 33.00 (100.01 × 33 % = 33.0033, rounded) = 1053.00
    assert ana.weighted_forecast == Decimal("1053.00")
    assert (bob.commit_forecast, bob.weighted_forecast) == (Decimal("2000.00"), Decimal("1800.00"))
    assert {x.period for x in lines} == {"2026-11"} and {x.taken_on for x in lines} == {CALL_DAY}


# What November brought: ana won her commit deal and a deal nobody had forecast; bob nothing;
# carol (no call at all) won 100.00 EUR; a December win does not count.
WON = [
    deal("1000.00", 100, "closed", date(2026, 11, 20), "ana", "emea", is_open=False),
    deal("250.00", 100, "closed", date(2026, 11, 27), "ana", "emea", is_open=False),
    deal("100.00", 100, "closed", date(2026, 11, 5), "carol", "emea", is_open=False),
    deal("400.00", 100, "closed", date(2026, 12, 1), "ana", "emea", is_open=False),
    deal("300.00", 50, "best_case", date(2026, 11, 30), "bob", "us", "USD"),  # still open
]


def test_accuracy_per_owner_compares_the_call_with_what_was_won() -> None:
    call = snapshot(PIPELINE, NOVEMBER, CALL_DAY)
    found = {(a.key, a.currency): a for a in accuracy(call, WON, NOVEMBER, "owner")}
    assert set(found) == {("ana", "EUR"), ("bob", "USD"), ("carol", "EUR")}
    ana = found["ana", "EUR"]
    # 1250.00 won against a commit of 1000.00: attainment 1.25, error 0.25
    assert ana.actual == Decimal("1250.00")
    assert (ana.attainment, ana.error) == (Decimal("1.2500"), Decimal("0.2500"))
    assert (ana.best_case_forecast, ana.weighted_forecast) == (
        Decimal("1500.00"),
        Decimal("1053.00"),
    )
    bob = found["bob", "USD"]
    assert (bob.actual, bob.attainment, bob.error) == (Decimal(0), Decimal(0), Decimal(1))
    carol = found["carol", "EUR"]
    assert (carol.commit_forecast, carol.actual) == (Decimal(0), Decimal("100.00"))
    assert (carol.attainment, carol.error) == (None, None)  # nothing was committed


def test_accuracy_per_team_and_overall_adds_owners_up_per_currency() -> None:
    call = snapshot(PIPELINE, NOVEMBER, CALL_DAY)
    by_team = {(a.key, a.currency): a for a in accuracy(call, WON, NOVEMBER, "team")}
    # emea: ana's call 1000.00; won 1250.00 + carol's 100.00 = 1350.00 -> 1.3500, error 0.3500
    emea = by_team["emea", "EUR"]
    assert (emea.actual, emea.attainment, emea.error) == (
        Decimal("1350.00"),
        Decimal("1.3500"),
        Decimal("0.3500"),
    )
    overall = {(a.key, a.currency): a for a in accuracy(call, WON, NOVEMBER, "none")}
    assert set(overall) == {("all", "EUR"), ("all", "USD")}
    assert overall["all", "USD"].commit_forecast == Decimal("2000.00")


def test_a_third_is_rounded_half_up_to_four_places() -> None:
    call = snapshot(
        [deal("3.00", 100, "commit", date(2026, 11, 2), "ana", "emea")], NOVEMBER, CALL_DAY
    )
    won = [deal("1.00", 100, "closed", date(2026, 11, 2), "ana", "emea", is_open=False)]
    [ana] = accuracy(call, won, NOVEMBER, "owner")
    # 1/3 = 0.33333 -> 0.3333; |1 - 3| / 3 = 0.66666 -> 0.6667
    assert (ana.attainment, ana.error) == (Decimal("0.3333"), Decimal("0.6667"))
    # a tie: 1/32 = 0.03125 -> 0.0313 (half-even would give 0.0312); 31/32 = 0.96875 -> 0.9688
    call = snapshot(
        [deal("32.00", 100, "commit", date(2026, 11, 2), "ana", "emea")], NOVEMBER, CALL_DAY
    )
    [ana] = accuracy(call, won, NOVEMBER, "owner")
    assert (ana.attainment, ana.error) == (Decimal("0.0313"), Decimal("0.9688"))
