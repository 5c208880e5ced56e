"""Usage is billed at the prices the customer accepted: the order's usage rates (the quote's),
an amendment's from its effective date, and billing's default plan only for an order that
carries none. On a real database, amounts by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from billing_svc.adapters.tables import usage_plans
from billing_svc.handlers import amendments, metering
from billing_svc.handlers import invoices as handlers
from l2c_pricing import PriceSpec, Tier, usage_rate
from l2c_runtime.errors import RuleViolation
from l2c_schemas import Money, OrderPlaced, PricedLine
from l2c_schemas.billing import UsageRecorded
from l2c_schemas.contract import ContractAmended
from l2c_schemas.cpq import UsageRate

pytestmark = pytest.mark.integration

if TYPE_CHECKING:
    from conftest import Billing

D = Decimal
SEATS = PricedLine(
    line_no=1,
    product_code="PLAT-SEAT",
    description="Platform seat",
    charge="recurring",
    billing_period="month",
    quantity=D(10),
    unit_price=Money.of("49.00", "EUR"),
    list_amount=Money.of("490.00", "EUR"),
    discount_percent=D(0),
    discount_amount=Money.zero("EUR"),
    net_amount=Money.of("490.00", "EUR"),
)


def api_calls(price: PriceSpec) -> UsageRate:
    return usage_rate(
        price,
        "EUR",
        product_code="API-CALLS",
        description="API calls",
        metric="api_calls",
        unit="1k calls",
    )


# 1–100 at 0.00, 101–1000 at 0.50, 1001 and more at 0.30 per 1k calls: the demo price book's
QUOTED = api_calls(
    PriceSpec(
        "graduated",
        tiers=(Tier(D(100), D("0.00")), Tier(D(1000), D("0.50")), Tier(None, D("0.30"))),
    )
)
ORDER = OrderPlaced(
    lead_id=uuid4(),
    account_id=uuid4(),
    order_id=uuid4(),
    contract_id=uuid4(),
    customer_name="Analytical Engines Ltd",
    currency="EUR",
    start_date=date(2026, 3, 1),
    end_date=date(2027, 2, 28),
    billing_period="month",
    payment_terms_days=30,
    lines=[SEATS],
    placed_at=datetime(2026, 2, 28, tzinfo=UTC),
)


def another_order(**changes: Any) -> OrderPlaced:
    ids = {name: uuid4() for name in ("lead_id", "account_id", "order_id", "contract_id")}
    return ORDER.model_copy(update={**ids, **changes})


async def use(billing: Billing, placed: OrderPlaced, quantity: str, day: str) -> None:
    async with billing.unit_of_work() as uow:
        await metering.record_usage(
            UsageRecorded(
                event_id=uuid4().hex,
                account_id=placed.account_id,
                metric="api_calls",
                quantity=D(quantity),
                occurred_at=datetime.fromisoformat(day).replace(tzinfo=UTC),
            ),
            uow,
        )


async def month_of_usage(billing: Billing, placed: OrderPlaced) -> None:
    """1250.5 thousand calls in March, in three reports."""
    for quantity, day in (("400", "2026-03-03"), ("500", "2026-03-17"), ("350.5", "2026-03-31")):
        await use(billing, placed, quantity, f"{day}T12:00:00")


def usage_lines(invoice: dict[str, Any]) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    return [
        (line["product_code"], line["quantity"], line["unit_price"], line["amount"])
        for line in invoice["lines"]
        if line["product_code"] != "PLAT-SEAT"
    ]


@pytest.fixture
async def default_plan(billing: Billing) -> None:
    """A default plan for api_calls in EUR at 0.01 a unit: what an order without rates pays."""
    async with billing.unit_of_work() as uow:
        await uow.session.execute(
            sa.insert(usage_plans).values(
                metric="api_calls",
                currency="EUR",
                product_code="API",
                description="API calls (list price)",
                aggregation="sum",
                model="tiered",
                tiers=[{"up_to": None, "unit_price": "0.01"}],
                package_size=1,
                package_price=0,
            )
        )


async def invoices_after(billing: Billing, sid: UUID, day: str) -> list[dict[str, Any]]:
    billing.clock.set(day)
    await billing.run()
    return await billing.invoices(sid)


async def test_an_order_with_usage_rates_is_billed_at_them_not_at_the_default_plan(
    billing: Billing, default_plan: None
) -> None:
    billing.clock.set("2026-02-28")
    placed = another_order(usage_rates=[QUOTED])
    sid = await billing.activate(placed)
    await month_of_usage(billing, placed)
    march, april = await invoices_after(billing, sid, "2026-04-02")
    assert usage_lines(march) == []
    # 1250.5: 100 × 0.00 + 900 × 0.50 + 250.5 × 0.30 = 0.00 + 450.00 + 75.15 = 525.15;
    # shown per unit 525.15 / 1250.5 = 0.41995… → 0.4200
    assert usage_lines(april) == [("API-CALLS", D("1250.5"), D("0.4200"), D("525.15"))]
    assert april["subtotal"] == D("1015.15")  # 490.00 + 525.15
    async with billing.unit_of_work() as uow:
        [view] = await handlers.subscription_view(uow, id=sid)
    assert view["usage_prices"] == [
        {"effective_from": date(2026, 3, 1), "rates": [QUOTED.model_dump(mode="json")]}
    ]


async def test_an_order_without_usage_rates_is_billed_by_the_default_plan(
    billing: Billing, default_plan: None
) -> None:
    billing.clock.set("2026-02-28")
    placed = another_order()
    sid = await billing.activate(placed)
    await month_of_usage(billing, placed)
    _, april = await invoices_after(billing, sid, "2026-04-02")
    # 1250.5 × 0.01 = 12.505 → 12.51 (half-up)
    assert usage_lines(april) == [("API", D("1250.5"), D("0.0100"), D("12.51"))]


async def test_an_amendments_usage_rates_price_the_periods_that_start_after_it(
    billing: Billing,
) -> None:
    billing.clock.set("2026-02-28")
    placed = another_order(usage_rates=[QUOTED])
    sid = await billing.activate(placed)
    cheaper = api_calls(PriceSpec("per_unit", D("0.40"), flat_fee=D("10.00")))
    async with billing.unit_of_work() as uow:
        await amendments.amend_subscription(
            ContractAmended(
                lead_id=placed.lead_id,
                account_id=placed.account_id,
                contract_id=placed.contract_id,
                amendment_id=uuid4(),
                currency="EUR",
                effective_date=date(2026, 4, 15),
                lines=[SEATS],
                amended_at=datetime(2026, 2, 28, tzinfo=UTC),
                usage_rates=[cheaper],
            ),
            uow,
        )
    await use(billing, placed, "200", "2026-04-20T12:00:00")
    await use(billing, placed, "200", "2026-05-20T12:00:00")
    invoices = await invoices_after(billing, sid, "2026-06-02")
    # April began before the amendment: 100 × 0.00 + 100 × 0.50 = 50.00;
    # May after it: 200 × 0.40 + the flat fee 10.00 = 90.00 (0.4500 a unit)
    assert usage_lines(invoices[2]) == [("API-CALLS", D(200), D("0.2500"), D("50.00"))]
    assert usage_lines(invoices[3]) == [("API-CALLS", D(200), D("0.4500"), D("90.00"))]


async def test_an_order_whose_usage_rate_cannot_be_applied_is_refused(billing: Billing) -> None:
    broken = QUOTED.model_copy(update={"pricing_model": "tiered"})
    with pytest.raises(RuleViolation, match="usage rate API-CALLS: unknown pricing model"):
        await billing.activate(another_order(usage_rates=[broken]))
