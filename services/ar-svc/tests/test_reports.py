from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ar_svc.domain.reports import (
    Collected,
    age_receivables,
    aging_bucket,
    cash_collected,
    days_sales_outstanding,
)

D = Decimal
AS_OF = date(2026, 6, 30)


@pytest.mark.parametrize(
    ("due", "bucket"),
    [
        (date(2026, 7, 15), "current"),
        (date(2026, 6, 30), "current"),  # due today is not late
        (date(2026, 6, 29), "1-30"),
        (date(2026, 5, 31), "1-30"),  # 30 days
        (date(2026, 5, 30), "31-60"),  # 31 days
        (date(2026, 5, 1), "31-60"),  # 60 days
        (date(2026, 4, 30), "61-90"),  # 61 days
        (date(2026, 4, 1), "61-90"),  # 90 days
        (date(2026, 3, 31), "90+"),  # 91 days
    ],
)
def test_aging_bucket_boundaries(due: date, bucket: str) -> None:
    assert aging_bucket(due, AS_OF) == bucket


def test_aging_sums_open_balances_per_bucket() -> None:
    items = [
        (date(2026, 7, 31), D("2602.50")),  # current
        (date(2026, 6, 15), D("1102.50")),  # 15 days
        (date(2026, 6, 1), D("97.50")),  # 29 days
        (date(2026, 5, 15), D("0.00")),  # paid: nothing
        (date(2026, 1, 31), D("1500.00")),  # 150 days
    ]
    assert age_receivables(items, AS_OF) == {
        "current": D("2602.50"),
        "1-30": D("1200.00"),  # 1102.50 + 97.50
        "31-60": D("0"),
        "61-90": D("0"),
        "90+": D("1500.00"),
    }


@given(
    st.lists(
        st.tuples(
            st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 1, 1)),
            st.decimals(min_value=0, max_value=10**6, places=2),
        ),
        max_size=20,
    )
)
def test_aging_buckets_add_up_to_the_open_total(items: list[tuple[date, Decimal]]) -> None:
    assert sum(age_receivables(items, AS_OF).values()) == sum((b for _, b in items), D(0))


def test_dso_is_ending_receivables_over_credit_sales_times_days() -> None:
    # 45,000.00 owed at the end of a 90-day quarter that sold 135,000.00 on credit:
    # 45000 / 135000 × 90 = 30.0 days
    assert days_sales_outstanding(D("45000.00"), D("135000.00"), 90) == D("30.0")
    # 2602.50 / 7807.50 × 31 = 10.333… → 10.3
    assert days_sales_outstanding(D("2602.50"), D("7807.50"), 31) == D("10.3")


def test_dso_without_credit_sales_is_undefined() -> None:
    assert days_sales_outstanding(D("100.00"), D("0"), 30) is None


def test_cash_collected_per_month_lists_empty_months_too() -> None:
    receipts = [
        (date(2026, 1, 5), D("2602.50")),
        (date(2026, 1, 31), D("0.50")),
        (date(2026, 3, 1), D("1102.50")),
        (date(2026, 4, 1), D("999.99")),  # after the report's end
        (date(2025, 12, 31), D("1.00")),  # before its start
    ]
    assert cash_collected(receipts, date(2026, 1, 1), date(2026, 3, 31)) == [
        Collected(date(2026, 1, 1), D("2603.00")),
        Collected(date(2026, 2, 1), D("0")),
        Collected(date(2026, 3, 1), D("1102.50")),
    ]


def test_cash_collected_per_quarter_from_mid_quarter() -> None:
    receipts = [(date(2026, 2, 10), D("10.00")), (date(2026, 5, 1), D("20.00"))]
    assert cash_collected(receipts, date(2026, 2, 1), date(2026, 6, 30), "quarter") == [
        Collected(date(2026, 1, 1), D("10.00")),
        Collected(date(2026, 4, 1), D("20.00")),
    ]
