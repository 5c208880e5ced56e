from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from billing_svc.domain.calendar import Period
from billing_svc.domain.drafting import draft_invoice
from billing_svc.domain.invoicing import (
    SubscriptionItem,
    billing_period,
    due_date,
    invoice_lines,
    invoice_number,
    invoice_totals,
)
from billing_svc.domain.proration import prorate_change
from billing_svc.domain.usage import UsagePrices
from billing_svc.handlers.amendments import recurring

SEATS = SubscriptionItem(
    line_no=1,
    product_code="PLAT-SEAT",
    description="Platform seat",
    charge="recurring",
    quantity=Decimal("25"),
    unit_price=Decimal("49.00"),
    discount_amount=Decimal("122.50"),
    net_amount=Decimal("1102.50"),
)
ONBOARDING = SubscriptionItem(
    line_no=2,
    product_code="ONBOARD",
    description="Onboarding package",
    charge="one_time",
    quantity=Decimal("1"),
    unit_price=Decimal("1500.00"),
    discount_amount=Decimal("0"),
    net_amount=Decimal("1500.00"),
)
MARCH = (date(2026, 3, 15), date(2026, 4, 14))
ONE_DAY = timedelta(days=1)


def test_first_invoice_bills_the_recurring_period_and_the_one_time_fee() -> None:
    lines = invoice_lines([SEATS, ONBOARDING], "EUR", MARCH, first_invoice=True)
    assert [(line.product_code, line.amount) for line in lines] == [
        ("PLAT-SEAT", Decimal("1102.50")),
        ("ONBOARD", Decimal("1500.00")),
    ]
    assert lines[0].period_end == date(2026, 4, 14)
    totals = invoice_totals(lines, "EUR", Decimal("0"))
    assert (totals.subtotal, totals.tax_total, totals.total) == (
        Decimal("2602.50"),
        Decimal("0.00"),
        Decimal("2602.50"),
    )


def test_later_invoices_do_not_repeat_one_time_fees() -> None:
    lines = invoice_lines([SEATS, ONBOARDING], "EUR", MARCH, first_invoice=False)
    assert [line.product_code for line in lines] == ["PLAT-SEAT"]
    assert invoice_totals(lines, "EUR", Decimal("0")).total == Decimal("1102.50")


def test_tax_is_rounded_half_up_once_on_the_subtotal() -> None:
    lines = invoice_lines([SEATS, ONBOARDING], "EUR", MARCH, first_invoice=True)
    totals = invoice_totals(lines, "EUR", Decimal("0.19"))
    # 2602.50 × 0.19 = 494.475 → 494.48
    assert totals.tax_total == Decimal("494.48")
    assert totals.total == Decimal("3096.98")


def test_monthly_period_ends_the_day_before_the_same_date_next_month() -> None:
    assert billing_period(date(2026, 3, 15), "month", date(2027, 3, 14)) == MARCH
    assert billing_period(date(2026, 1, 1), "quarter", date(2026, 12, 31)) == (
        date(2026, 1, 1),
        date(2026, 3, 31),
    )


def test_last_period_is_cut_at_the_subscription_end() -> None:
    assert billing_period(date(2026, 12, 1), "quarter", date(2026, 12, 31)) == (
        date(2026, 12, 1),
        date(2026, 12, 31),
    )


def test_due_date_is_net_days_after_issue_and_numbers_are_zero_padded() -> None:
    assert due_date(date(2026, 11, 26), 30) == date(2026, 12, 26)
    assert invoice_number("INV", 2026, 42) == "INV-2026-000042"


def test_a_trial_makes_its_days_free_and_the_period_it_ends_in_is_charged_by_day() -> None:
    march = Period(0, date(2026, 3, 1), date(2026, 3, 31))
    april = Period(1, date(2026, 4, 1), date(2026, 4, 30))
    seat = SubscriptionItem(
        1, "SEAT", "Seat", "recurring", Decimal(1), Decimal("31.00"), Decimal(0), Decimal("31.00")
    )
    args = ([], UsagePrices(), [], date(2026, 3, 1), 1)
    # 14-day trial ends on 14 March: 17 of 31 days paid, 31.00 × 17/31 = 17.00.
    first = draft_invoice([seat, ONBOARDING], "EUR", march, True, *args, date(2026, 3, 14))
    assert [(line.product_code, line.amount, line.period_start) for line in first.lines] == [
        ("SEAT", Decimal("17.00"), date(2026, 3, 15)),
        ("ONBOARD", Decimal("1500.00"), date(2026, 3, 1)),
    ]
    # a 45-day trial covers all of March: no recurring charge; April is charged from the 15th
    whole = draft_invoice([seat], "EUR", march, False, *args, date(2026, 4, 14))
    assert whole.lines == []
    rest = draft_invoice([seat], "EUR", april, False, *args, date(2026, 4, 14))
    assert [line.amount for line in rest.lines] == [Decimal("16.53")]  # 31 × 16/30 = 16.533…


@given(
    net=st.decimals(min_value=0, max_value=100000, places=2),
    last_day=st.integers(min_value=1, max_value=31),
)
def test_a_terminated_period_charged_to_its_last_day_plus_the_unused_days_is_its_full_price(
    net: Decimal, last_day: int
) -> None:
    """Whether the run charges the period up to the last day of service (notice came first)
    or the period was invoiced in full and the rest credited (notice came later), the
    customer pays the same to the cent."""
    march = Period(0, date(2026, 3, 1), date(2026, 3, 31))
    seat = replace(SEATS, discount_amount=Decimal(0), net_amount=net)
    end = date(2026, 3, last_day)
    draft = draft_invoice(
        [seat], "EUR", march, False, [], UsagePrices(), [], march.start, 1, None, end
    )
    charged = sum((line.amount for line in draft.lines), Decimal(0))
    unused = prorate_change(recurring([seat]), [], march, end + ONE_DAY, "EUR")
    credited = -sum((line.amount for line in unused), Decimal(0))
    assert charged + credited == net
    assert all(line.period_end == end for line in draft.lines)
