"""Bundles, configuration rules and pricing a whole quote."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cpq_svc.domain.configuration import (
    BundleComponent,
    ConfigurationRejected,
    ConfigurationRule,
    ConfiguredLine,
    check_configuration,
    expand_bundle,
)
from cpq_svc.domain.pricing import TermDiscount
from cpq_svc.domain.quote_pricing import Catalog, Product, QuoteTerms, RequestedLine, price_quote
from l2c_pricing import PriceSpec, Tier
from l2c_runtime.errors import RuleViolation

D = Decimal
RULES = [
    ConfigurationRule("analytics-needs-seats", "requires", "ANALYTICS", "PLAT-SEAT"),
    ConfigurationRule("one-support-level", "excludes", "SUPPORT-PREM", "SUPPORT-STD"),
    ConfigurationRule("seats-1-to-10000", "quantity", "PLAT-SEAT", None, D(1), D(10000)),
    ConfigurationRule("onboarding-once", "quantity", "ONBOARD", None, None, D(1)),
]
STARTER = [
    BundleComponent("PLAT-SEAT", D(10)),
    BundleComponent("ONBOARD", D(1)),
    BundleComponent("ANALYTICS", D(1), required=False),
]
CATALOG = Catalog(
    products={
        "PLAT-SEAT": Product("PLAT-SEAT", "Platform seat", "plan", "recurring", "month"),
        "ANALYTICS": Product("ANALYTICS", "Analytics add-on", "add_on", "recurring", "month"),
        "ONBOARD": Product("ONBOARD", "Onboarding package", "one_time", "one_time"),
        "STORAGE-TB": Product("STORAGE-TB", "Extra storage", "add_on", "recurring", "month"),
        "API-CALLS": Product(
            "API-CALLS", "API calls", "usage", "usage", "month", "1k calls", "api_calls"
        ),
        "STARTER": Product("STARTER", "Starter bundle", "bundle", "bundle"),
    },
    prices={
        "PLAT-SEAT": PriceSpec("per_unit", D("49.00")),
        "ANALYTICS": PriceSpec("per_unit", D("250.00")),
        "ONBOARD": PriceSpec("per_unit", D("1500.00")),
        "STORAGE-TB": PriceSpec("volume", tiers=(Tier(D(10), D("20.00")), Tier(None, D("18.00")))),
        "API-CALLS": PriceSpec("graduated", tiers=(Tier(D(100), D(0)), Tier(None, D("0.50")))),
    },
    bundles={"STARTER": STARTER},
    rules=RULES,
    volume_schedules={"PLAT-SEAT": [(D(100), D(5))]},
    term_discounts=[TermDiscount("annual prepay", D(8), billing_period="year")],
)
EUR = QuoteTerms("EUR")


def test_a_bundle_expands_into_its_required_components_times_its_quantity() -> None:
    assert expand_bundle("STARTER", D(2), STARTER) == [
        ConfiguredLine("PLAT-SEAT", D(20), "STARTER"),
        ConfiguredLine("ONBOARD", D(2), "STARTER"),
    ]


def test_a_bundle_includes_the_optional_components_chosen() -> None:
    lines = expand_bundle("STARTER", D(1), STARTER, ["ANALYTICS"])
    assert [line.product_code for line in lines] == ["PLAT-SEAT", "ONBOARD", "ANALYTICS"]


def test_an_option_the_bundle_does_not_offer_is_refused() -> None:
    with pytest.raises(RuleViolation, match="no optional component SSO; its options are ANALYTICS"):
        expand_bundle("STARTER", D(1), STARTER, ["SSO"])


def test_a_product_that_requires_another_is_refused_without_it_naming_the_rule() -> None:
    with pytest.raises(ConfigurationRejected, match=r"'analytics-needs-seats'.*requires PLAT-SEAT"):
        check_configuration({"ANALYTICS": D(1)}, RULES)


def test_excluded_products_cannot_be_quoted_together() -> None:
    with pytest.raises(ConfigurationRejected) as rejected:
        check_configuration({"SUPPORT-PREM": D(1), "SUPPORT-STD": D(1)}, RULES)
    assert rejected.value.rule == "one-support-level"


@pytest.mark.parametrize(
    ("quantities", "reason"),
    [
        ({"PLAT-SEAT": D("0.5")}, "at least 1, not 0.5"),
        ({"PLAT-SEAT": D(10001)}, "at most 10000, not 10001"),
        ({"PLAT-SEAT": D(1), "ONBOARD": D(2)}, "at most 1, not 2"),
    ],
)
def test_quantities_outside_the_rule_bounds_are_refused(
    quantities: dict[str, Decimal], reason: str
) -> None:
    with pytest.raises(ConfigurationRejected, match=reason):
        check_configuration(quantities, RULES)


@pytest.mark.parametrize("seats", ["1", "10000"])
def test_quantities_exactly_at_the_rule_bounds_are_allowed(seats: str) -> None:
    check_configuration({"PLAT-SEAT": D(seats)}, RULES)


def test_the_journey_quote_is_priced_as_before() -> None:
    priced = price_quote(
        [RequestedLine("PLAT-SEAT", D(25), D(10)), RequestedLine("ONBOARD", D(1))], CATALOG, EUR
    )
    nets = [(line.product.code, line.amounts.net_amount) for line in priced.lines]
    assert nets == [("PLAT-SEAT", D("1102.50")), ("ONBOARD", D("1500.00"))]
    assert priced.totals.net_total == D("2602.50")
    assert priced.discretionary_percent == D(10)


def test_bundle_components_count_towards_rules_across_the_quote() -> None:
    with pytest.raises(ConfigurationRejected, match="'onboarding-once'"):
        price_quote([RequestedLine("STARTER", D(1)), RequestedLine("ONBOARD", D(1))], CATALOG, EUR)


def test_the_volume_schedule_uses_the_quotes_total_quantity_of_the_product() -> None:
    # 95 seats + 10 in the bundle = 105 ≥ 100: 5 % volume discount on both seat lines.
    priced = price_quote(
        [RequestedLine("PLAT-SEAT", D(95)), RequestedLine("STARTER", D(1))], CATALOG, EUR
    )
    seats = [line for line in priced.lines if line.product.code == "PLAT-SEAT"]
    assert [line.amounts.discount_amount for line in seats] == [D("232.75"), D("24.50")]


def test_term_discounts_apply_to_recurring_lines_only() -> None:
    priced = price_quote(
        [RequestedLine("PLAT-SEAT", D(10)), RequestedLine("ONBOARD", D(1))],
        CATALOG,
        QuoteTerms("EUR", billing_period="year"),
    )
    assert [line.amounts.discount_amount for line in priced.lines] == [D("39.20"), D("0.00")]


def test_usage_products_are_quoted_as_rates_not_charged_lines() -> None:
    priced = price_quote(
        [RequestedLine("PLAT-SEAT", D(5)), RequestedLine("API-CALLS", D(1))], CATALOG, EUR
    )
    assert [line.product.code for line in priced.lines] == ["PLAT-SEAT"]
    assert [u.product.usage_metric for u in priced.usage] == ["api_calls"]
    assert priced.totals.net_total == D("245.00")


def test_the_quote_discount_is_a_last_waterfall_step_on_every_line() -> None:
    priced = price_quote(
        [RequestedLine("PLAT-SEAT", D(25), D(10)), RequestedLine("ONBOARD", D(1))],
        CATALOG,
        QuoteTerms("EUR", quote_discount_percent=D(10)),
    )
    # seats 1102.50 less 10 % = 110.25 → 992.25; onboarding 1500.00 less 150.00 → 1350.00
    assert [line.amounts.net_amount for line in priced.lines] == [D("992.25"), D("1350.00")]
    assert priced.discretionary_percent == D(19)  # 10 % then 10 %


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (RequestedLine("NOPE", D(1)), "unknown product NOPE"),
        (RequestedLine("PLAT-SEAT", D(1), options=("X",)), "PLAT-SEAT is not a bundle"),
        (RequestedLine("PLAT-SEAT", D(1), D(150)), r"line 1 \(PLAT-SEAT\): line discount"),
    ],
)
def test_a_quote_that_cannot_be_priced_is_refused_with_the_reason(
    line: RequestedLine, reason: str
) -> None:
    with pytest.raises(RuleViolation, match=reason):
        price_quote([line], CATALOG, EUR)


def test_a_product_without_a_price_in_the_book_is_refused() -> None:
    no_prices = Catalog(products=CATALOG.products, prices={}, price_book="enterprise")
    with pytest.raises(RuleViolation, match="no EUR price in the enterprise price book on"):
        price_quote([RequestedLine("ONBOARD", D(1))], no_prices, EUR)


@given(
    st.integers(1, 20),
    st.booleans(),
    st.sampled_from(["month", "year"]),
    st.integers(0, 40).map(D),
    st.integers(0, 30).map(D),
)
def test_a_bundle_costs_what_its_components_cost_under_the_same_rules(
    bundles: int, analytics: bool, period: str, line_discount: Decimal, quote_discount: Decimal
) -> None:
    terms = QuoteTerms("EUR", period, 12, quote_discount)
    catalog = replace(CATALOG, rules=[])  # any number of bundles
    options = ("ANALYTICS",) if analytics else ()
    as_bundle = price_quote(
        [RequestedLine("STARTER", D(bundles), line_discount, options)], catalog, terms
    )
    components = [
        RequestedLine(line.product_code, line.quantity, line_discount)
        for line in expand_bundle("STARTER", D(bundles), STARTER, options)
    ]
    as_components = price_quote(components, catalog, terms)
    assert as_bundle.totals == as_components.totals
