"""The billing run, amendments, usage and revenue on a real database, amounts by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from billing_svc.adapters import store
from billing_svc.adapters.tables import (
    account_tax_jurisdictions,
    credit_notes,
    invoices,
    revenue_schedule,
    tax_rates,
    usage_plans,
)
from billing_svc.handlers import amendments, metering
from billing_svc.handlers import invoices as handlers
from billing_svc.handlers.revenue import close_month, deferred_revenue
from l2c_runtime.errors import NotFound
from l2c_runtime.messaging_tables import outbox
from l2c_schemas import Money, OrderPlaced, PricedLine
from l2c_schemas.billing import UsageRecorded
from l2c_schemas.contract import ContractAmended

# Needs PostgreSQL: runs with the integration tests, not in `make test-unit`.
pytestmark = pytest.mark.integration

if TYPE_CHECKING:
    from conftest import Billing  # the `billing` fixture

D = Decimal


def seats(quantity: int, price: str = "10.00", line_no: int = 1) -> PricedLine:
    net = Money.of(D(price) * quantity, "EUR")
    return PricedLine(
        line_no=line_no,
        product_code="SEAT",
        description="Seat",
        charge="recurring",
        billing_period="month",
        quantity=D(quantity),
        unit_price=Money.of(price, "EUR"),
        list_amount=net,
        discount_percent=D(0),
        discount_amount=Money.zero("EUR"),
        net_amount=net,
    )


def onboarding(fee: str) -> PricedLine:
    return PricedLine(
        line_no=2,
        product_code="ONBOARD",
        description="Onboarding",
        charge="one_time",
        quantity=D(1),
        unit_price=Money.of(fee, "EUR"),
        list_amount=Money.of(fee, "EUR"),
        discount_percent=D(0),
        discount_amount=Money.zero("EUR"),
        net_amount=Money.of(fee, "EUR"),
    )


def order(
    start: date,
    end: date,
    *lines: PricedLine,
    account: UUID | None = None,
    timing: str = "in_advance",
) -> OrderPlaced:
    return OrderPlaced(
        billing_timing=timing,
        lead_id=uuid4(),
        account_id=account or uuid4(),
        order_id=uuid4(),
        contract_id=uuid4(),
        customer_name="ACME",
        currency="EUR",
        start_date=start,
        end_date=end,
        billing_period="month",
        payment_terms_days=30,
        lines=list(lines),
        placed_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def amend(placed: OrderPlaced, effective: date, *lines: PricedLine) -> ContractAmended:
    return ContractAmended(
        lead_id=placed.lead_id,
        account_id=placed.account_id,
        contract_id=placed.contract_id,
        amendment_id=uuid4(),
        currency="EUR",
        effective_date=effective,
        lines=list(lines),
        amended_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def summary(invoice: dict[str, Any]) -> tuple[Any, ...]:
    lines = [(line["product_code"], line["amount"]) for line in invoice["lines"]]
    return (invoice["period_start"], invoice["period_end"], lines, invoice["total"])


async def test_periods_stay_anchored_and_a_clock_jump_catches_up_every_period(
    billing: Billing,
) -> None:
    billing.clock.set("2026-01-30")
    sid = await billing.activate(
        order(date(2026, 1, 31), date(2026, 12, 30), seats(10), onboarding("50.00"))
    )
    billing.clock.set("2026-04-15")
    assert await billing.run() == 2
    assert await billing.run() == 0  # nothing twice
    found = await billing.invoices(sid)
    assert [summary(i) for i in found] == [
        (
            date(2026, 1, 31),
            date(2026, 2, 27),
            [("SEAT", D("100.00")), ("ONBOARD", D("50.00"))],
            D("150.00"),
        ),
        (date(2026, 2, 28), date(2026, 3, 30), [("SEAT", D("100.00"))], D("100.00")),
        (date(2026, 3, 31), date(2026, 4, 29), [("SEAT", D("100.00"))], D("100.00")),
    ]
    numbers = [int(i["invoice_number"].rsplit("-", 1)[1]) for i in found]
    assert numbers == list(range(numbers[0], numbers[0] + 3))  # gapless
    async with billing.unit_of_work() as uow:
        issued_events = await uow.session.scalar(
            sa.select(sa.func.count()).where(outbox.c.ce_type == "l2c.billing.InvoiceIssued.v1")
        )
    assert issued_events == 3


async def test_an_upgrade_is_prorated_on_the_next_invoice_and_a_downgrade_credited(
    billing: Billing,
) -> None:
    billing.clock.set("2026-02-28")
    placed = order(date(2026, 3, 1), date(2027, 2, 28), seats(10))
    sid = await billing.activate(placed)
    billing.clock.set("2026-03-11")
    async with billing.unit_of_work() as uow:
        await amendments.amend_subscription(amend(placed, date(2026, 3, 11), seats(20)), uow)
    billing.clock.set("2026-04-02")
    assert await billing.run() == 1
    april = (await billing.invoices(sid))[1]
    # March has 31 days, 21 left from the 11th: credit 100 × 21/31 = 67.74, charge
    # 200 × 21/31 = 135.48; April's 20 seats 200.00.
    assert summary(april)[2] == [
        ("SEAT", D("200.00")),
        ("SEAT", D("-67.74")),
        ("SEAT", D("135.48")),
    ]
    assert april["total"] == D("267.74")
    billing.clock.set("2026-04-16")
    async with billing.unit_of_work() as uow:
        await amendments.amend_subscription(amend(placed, date(2026, 4, 16), seats(5)), uow)
        notes = (await uow.session.execute(sa.select(credit_notes))).all()
    # April: 15 of 30 days left. Credit 200 × 15/30 = 100.00, charge 50 × 15/30 = 25.00.
    assert [(n.subtotal, n.total) for n in notes] == [(D("75.00"), D("75.00"))]
    assert [line["amount"]["amount"] for line in notes[0].lines] == ["100.00", "-25.00"]


async def test_usage_is_billed_in_arrears_and_late_usage_as_a_difference(
    billing: Billing,
) -> None:
    billing.clock.set("2026-02-28")
    placed = order(date(2026, 3, 1), date(2027, 2, 28), seats(1))
    sid = await billing.activate(placed)
    async with billing.unit_of_work() as uow:
        await uow.session.execute(
            sa.insert(usage_plans).values(
                metric="api_calls",
                currency="EUR",
                product_code="API",
                description="API calls",
                aggregation="sum",
                model="tiered",
                tiers=[
                    {"up_to": "100", "unit_price": "0.10"},
                    {"up_to": None, "unit_price": "0.08"},
                ],
                package_size=1,
                package_price=0,
            )
        )

    async def use(event_id: str, quantity: str, day: str) -> bool:
        async with billing.unit_of_work() as uow:
            return await metering.record_usage(
                UsageRecorded(
                    event_id=event_id,
                    account_id=placed.account_id,
                    metric="api_calls",
                    quantity=D(quantity),
                    occurred_at=datetime.fromisoformat(day).replace(tzinfo=UTC),
                ),
                uow,
            )

    assert await use("e1", "120", "2026-03-10T10:00:00")
    assert await use("e2", "30", "2026-03-31T23:00:00")
    assert not await use("e2", "30", "2026-03-31T23:00:00")  # same event id: counted once
    assert await use("e3", "999", "2026-04-03T10:00:00")  # April's, not on April's invoice
    billing.clock.set("2026-04-02")
    assert await billing.run() == 1
    april = (await billing.invoices(sid))[1]
    # 150 calls: 100 × 0.10 + 50 × 0.08 = 14.00
    assert summary(april)[2] == [("SEAT", D("10.00")), ("API", D("14.00"))]
    assert await use("e4", "10", "2026-03-20T10:00:00")  # after March was invoiced
    billing.clock.set("2026-05-02")
    assert await billing.run() == 1
    may = (await billing.invoices(sid))[2]
    # April: 999 calls = 10.00 + 899 × 0.08 = 81.92; March late: 160 → 14.80 − 14.00 = 0.80.
    assert summary(may)[2] == [("SEAT", D("10.00")), ("API", D("0.80")), ("API", D("81.92"))]


async def test_tax_comes_from_the_accounts_jurisdiction_rate(billing: Billing) -> None:
    account = uuid4()
    async with billing.unit_of_work() as uow:
        await uow.session.execute(
            sa.insert(tax_rates).values(jurisdiction="DE", rate=D("0.19"), name="USt")
        )
        await uow.session.execute(
            sa.insert(account_tax_jurisdictions).values(account_id=account, jurisdiction="DE")
        )
    billing.clock.set("2026-02-28")
    sid = await billing.activate(
        order(date(2026, 3, 1), date(2027, 2, 28), seats(25, "49.00"), account=account)
    )
    first = (await billing.invoices(sid))[0]
    # 1225.00 × 0.19 = 232.75
    assert (first["subtotal"], first["tax_total"], first["total"]) == (
        D("1225.00"),
        D("232.75"),
        D("1457.75"),
    )
    untaxed = await billing.activate(order(date(2026, 3, 1), date(2027, 2, 28), seats(25, "49.00")))
    assert (await billing.invoices(untaxed))[0]["tax_total"] == D("0.00")


async def test_revenue_is_recognised_by_day_and_months_close_once(billing: Billing) -> None:
    billing.clock.set("2026-01-14")
    sid = await billing.activate(
        order(date(2026, 1, 15), date(2027, 1, 14), seats(10), onboarding("50.00"))
    )
    async with billing.unit_of_work() as uow:
        rows = (
            await uow.session.execute(
                sa.select(
                    revenue_schedule.c.line_no, revenue_schedule.c.month, revenue_schedule.c.amount
                )
                .where(revenue_schedule.c.subscription_id == sid)
                .order_by(revenue_schedule.c.line_no, revenue_schedule.c.month)
            )
        ).all()
    # 15 Jan – 14 Feb is 31 days: 17 in January (54.838…), 14 in February (45.161…).
    assert [tuple(r) for r in rows] == [
        (1, date(2026, 1, 1), D("54.84")),
        (1, date(2026, 2, 1), D("45.16")),
        (2, date(2026, 1, 1), D("50.00")),
    ]
    billing.clock.set("2026-03-01")
    async with billing.unit_of_work() as uow:
        # February cannot close while the invoice due on 15 (+1 grace) February is missing.
        assert await close_month(uow, billing.clock.now().date()) == date(2026, 1, 1)
        assert await close_month(uow, billing.clock.now().date()) is None
    assert await billing.run() == 1  # 15 Feb – 14 Mar, 28 days: 14 in February = 50.00
    async with billing.unit_of_work() as uow:
        assert await close_month(uow, billing.clock.now().date()) == date(2026, 2, 1)
        assert await close_month(uow, billing.clock.now().date()) is None
        report = await deferred_revenue(uow, date(2026, 1, 1), date(2026, 2, 1), "EUR")
        recognised = await uow.session.scalar(
            sa.select(sa.func.count()).where(outbox.c.ce_type == "l2c.billing.RevenueRecognized.v1")
        )
    assert recognised == 2
    # February recognises 45.16 of January's invoice and 50.00 of the one billed 1 March:
    # recognised before billed shows as a negative deferred balance (unbilled revenue).
    assert [(r["billed"], r["recognized"], r["closing_deferred"]) for r in report] == [
        (D("150.00"), D("104.84"), D("45.16")),
        (D("0"), D("95.16"), D("-50.00")),
    ]


async def test_a_paid_invoice_cannot_be_voided_and_an_issued_one_can(billing: Billing) -> None:
    billing.clock.set("2026-02-28")
    sid = await billing.activate(order(date(2026, 3, 1), date(2027, 2, 28), seats(1)))
    invoice = (await billing.invoices(sid))[0]
    async with billing.unit_of_work() as uow:
        voided = await handlers.void_invoice(invoice["id"], "duplicate order", uow)
    assert voided["status"] == "void"
    async with billing.unit_of_work() as uow:
        status = await uow.session.scalar(
            sa.select(invoices.c.status).where(invoices.c.id == invoice["id"])
        )
        revenue = await uow.session.scalar(
            sa.select(sa.func.sum(revenue_schedule.c.amount)).where(
                revenue_schedule.c.document_id == invoice["id"]
            )
        )
    assert status == "void"
    assert revenue == 0  # the void reverses the invoice's revenue schedule
    _ = store


async def test_a_usage_run_stores_each_event_once_and_refuses_an_unknown_subscription(
    billing: Billing,
) -> None:
    billing.clock.set("2026-02-28")
    placed = order(date(2026, 3, 1), date(2027, 2, 28), seats(1))
    sid = await billing.activate(placed)

    def usage(event_id: str, subscription: UUID | None, account: UUID | None = None) -> Any:
        return UsageRecorded(
            event_id=event_id,
            subscription_id=subscription,
            account_id=account or placed.account_id,
            metric="api_calls",
            quantity=D(5),
            occurred_at=datetime(2026, 4, 2, tzinfo=UTC),
        )

    async with billing.unit_of_work() as uow:  # u1 twice, and u2 by its account only
        stored = await metering.record_usage_many([usage("u1", sid), usage("u1", sid)], uow)
        stored += await metering.record_usage_many([usage("u2", None)], uow)
    with pytest.raises(NotFound, match="no subscription"):
        async with billing.unit_of_work() as uow:
            await metering.record_usage_many([usage("u3", sid), usage("u4", uuid4())], uow)
    async with billing.unit_of_work() as uow:
        again = await metering.record_usage_many([usage("u1", sid)], uow)
        rows = (
            await uow.session.execute(
                sa.text("SELECT event_id, period_start FROM usage_events ORDER BY event_id")
            )
        ).all()
    assert (stored, again) == (2, 0)
    # Monthly periods anchored on the 1st: 2 April falls in April. u3 was rolled back with u4.
    assert [tuple(row) for row in rows] == [("u1", date(2026, 4, 1)), ("u2", date(2026, 4, 1))]


async def test_usage_quantities_and_times_are_stored_exactly(billing: Billing) -> None:
    """The run travels to PostgreSQL as one JSON text: decimals stay exact, an offset is
    kept, a time without one is UTC."""
    billing.clock.set("2026-02-28")
    placed = order(date(2026, 3, 1), date(2027, 2, 28), seats(1))
    sid = await billing.activate(placed)
    sent = {
        "a": (D("0.000125"), datetime(2026, 5, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))),
        "b": (D("12345678.123456"), datetime(2026, 4, 2, 10, 30)),  # naive: UTC
        "c": (D("1E+3"), datetime(2026, 4, 30, 23, 59, 59, tzinfo=UTC)),
    }
    events = [
        UsageRecorded(
            event_id=event_id,
            subscription_id=sid,
            metric="api_calls",
            quantity=quantity,
            occurred_at=at,
        )
        for event_id, (quantity, at) in sent.items()
    ]
    async with billing.unit_of_work() as uow:
        assert await metering.record_usage_many(events, uow) == 3
        rows = (
            await uow.session.execute(
                sa.text(
                    "SELECT event_id, quantity, occurred_at, period_start FROM usage_events"
                    " ORDER BY event_id"
                )
            )
        ).all()
    assert [tuple(row) for row in rows] == [
        # 1 May 01:00 at +02:00 is 30 April 23:00 UTC: April's period
        ("a", D("0.000125"), datetime(2026, 4, 30, 23, 0, tzinfo=UTC), date(2026, 4, 1)),
        ("b", D("12345678.123456"), datetime(2026, 4, 2, 10, 30, tzinfo=UTC), date(2026, 4, 1)),
        ("c", D("1000.000000"), datetime(2026, 4, 30, 23, 59, 59, tzinfo=UTC), date(2026, 4, 1)),
    ]


async def test_usage_of_an_account_without_a_subscription_yet_waits_and_is_filed_at_activation(
    billing: Billing,
) -> None:
    billing.clock.set("2026-02-28")
    placed = order(date(2026, 3, 1), date(2027, 2, 28), seats(1))
    early = UsageRecorded(  # the meter saw the account before the order reached billing
        event_id=f"early-{uuid4()}",
        account_id=placed.account_id,
        metric="api_calls",
        quantity=D(7),
        occurred_at=datetime(2026, 3, 2, tzinfo=UTC),
    )
    async with billing.unit_of_work() as uow:
        assert await metering.record_usage_many([early, early], uow) == 0  # kept, once
        waiting = await uow.session.scalar(sa.text("SELECT count(*) FROM usage_pending"))
    sid = await billing.activate(placed)
    async with billing.unit_of_work() as uow:
        filed = (
            await uow.session.execute(
                sa.text(
                    "SELECT subscription_id, quantity, period_start FROM usage_events"
                    " WHERE event_id = :id"
                ),
                {"id": early.event_id},
            )
        ).all()
        left = await uow.session.scalar(sa.text("SELECT count(*) FROM usage_pending"))
        again = await metering.record_usage_many([early], uow)  # a redelivery: stored already
    assert waiting == 1
    assert [tuple(row) for row in filed] == [(sid, D("7.000000"), date(2026, 3, 1))]
    assert (left, again) == (0, 0)


async def test_in_arrears_a_period_is_invoiced_after_it_ends_with_its_usage(
    billing: Billing,
) -> None:
    billing.clock.set("2026-02-28")
    placed = order(
        date(2026, 3, 1), date(2027, 2, 28), seats(10), onboarding("50.00"), timing="in_arrears"
    )
    sid = await billing.activate(placed)
    assert await billing.invoices(sid) == []
    billing.clock.set("2026-04-01")  # the grace day after March is not over yet
    assert await billing.run() == 0
    billing.clock.set("2026-04-02")
    assert await billing.run() == 1
    (march,) = await billing.invoices(sid)
    assert summary(march) == (
        date(2026, 3, 1),
        date(2026, 3, 31),
        [("SEAT", D("100.00")), ("ONBOARD", D("50.00"))],
        D("150.00"),
    )


async def test_a_written_off_invoice_becomes_uncollectible(billing: Billing) -> None:
    from l2c_schemas.ar import InvoiceWrittenOff

    billing.clock.set("2026-02-28")
    placed = order(date(2026, 3, 1), date(2027, 2, 28), seats(1))
    sid = await billing.activate(placed)
    invoice = (await billing.invoices(sid))[0]
    async with billing.unit_of_work() as uow:
        await handlers.mark_invoice_uncollectible(
            InvoiceWrittenOff(
                lead_id=placed.lead_id,
                account_id=placed.account_id,
                invoice_id=invoice["id"],
                invoice_number=invoice["invoice_number"],
                amount=Money.of("10.00", "EUR"),
                days_past_due=120,
                reason="bankrupt",
                written_off_at=datetime(2026, 7, 1, tzinfo=UTC),
            ),
            uow,
        )
    assert (await billing.invoices(sid))[0]["status"] == "uncollectible"


async def test_one_subscription_that_cannot_be_billed_does_not_stop_the_others(
    billing: Billing,
) -> None:
    from types import SimpleNamespace
    from typing import cast

    from billing_svc.jobs import billing_pass
    from l2c_runtime.service import Runtime

    billing.clock.set("2026-02-28")
    healthy = [
        await billing.activate(order(date(2026, 3, 1), date(2027, 2, 28), seats(1)))
        for _ in range(3)
    ]
    broken = order(date(2026, 3, 1), date(2027, 2, 28), seats(1))
    broken_id = await billing.activate(broken)
    async with billing.unit_of_work() as uow:
        # A volume plan without an open-ended tier (the API refuses it): rating fails.
        await uow.session.execute(
            sa.insert(usage_plans).values(
                metric="bad",
                currency="EUR",
                product_code="BAD",
                description="Bad",
                aggregation="sum",
                model="volume",
                tiers=[{"up_to": "1", "unit_price": "1"}],
                package_size=1,
                package_price=0,
            )
        )
        await metering.record_usage(
            UsageRecorded(
                event_id="bad-1",
                subscription_id=broken_id,
                metric="bad",
                quantity=D(5),
                occurred_at=datetime(2026, 3, 5, tzinfo=UTC),
            ),
            uow,
        )
    billing.clock.set("2026-04-02")
    runtime = cast(Runtime, SimpleNamespace(unit_of_work=billing.unit_of_work))
    assert await billing_pass(runtime, batch_size=2) == 3
    assert [len(await billing.invoices(sid)) for sid in healthy] == [2, 2, 2]
    assert len(await billing.invoices(broken_id)) == 1


async def test_a_year_of_revenue_recognised_equals_what_was_invoiced_and_not_voided(
    billing: Billing,
) -> None:
    import json

    billing.clock.set("2026-01-30")
    placed = order(date(2026, 1, 31), date(2027, 1, 30), seats(10), onboarding("50.00"))
    sid = await billing.activate(placed)
    async with billing.unit_of_work() as uow:
        await amendments.amend_subscription(amend(placed, date(2026, 2, 10), seats(20)), uow)
    billing.clock.set("2026-04-02")
    await billing.run()
    third = (await billing.invoices(sid))[2]
    async with billing.unit_of_work() as uow:
        await handlers.void_invoice(third["id"], "test", uow)
        while await close_month(uow, billing.clock.now().date()):
            pass
    billing.clock.set("2027-03-02")
    await billing.run()
    async with billing.unit_of_work() as uow:
        while await close_month(uow, billing.clock.now().date()):
            pass
        payloads = (
            await uow.session.execute(
                sa.select(outbox.c.payload).where(
                    outbox.c.ce_type == "l2c.billing.RevenueRecognized.v1"
                )
            )
        ).scalars()
        recognised = sum((D(json.loads(p)["amount"]["amount"]) for p in payloads), D(0))
    found = await billing.invoices(sid)
    assert len(found) == 12
    assert recognised == sum(i["subtotal"] for i in found if i["status"] != "void")
