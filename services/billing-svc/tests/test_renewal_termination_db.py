"""Renewal and termination of a contract, as billing follows them, on a real database.

Amounts by hand. The demo's subscription: 25 seats × 49.00 = 1225.00 a month, less 10 % =
1102.50 net. contract-svc uplifts a renewal half-up per line and the event carries the result:
1225.00 + 3 % = 1261.75 (unit 50.47); 1102.50 + 3 % = 1135.575 → 1135.58. A termination is
prorated by days as billing prorates a downgrade (domain.proration): the days after the last
day of service are worth round_half_up(net × unused days / days in the period)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from billing_svc.adapters.tables import credit_notes, subscriptions
from billing_svc.handlers import terms
from l2c_runtime.errors import RuleViolation
from l2c_schemas import Money, OrderPlaced, PricedLine
from l2c_schemas.contract import ContractRenewed, ContractTerminated

# Needs PostgreSQL: runs with the integration tests, not in `make test-unit`.
pytestmark = pytest.mark.integration

if TYPE_CHECKING:
    from conftest import Billing  # the `billing` fixture

D = Decimal
AT = datetime(2026, 1, 1, tzinfo=UTC)


def seat_line(quantity: int, unit: str, net: str, list_amount: str | None = None) -> PricedLine:
    listed = D(list_amount or net)
    return PricedLine.model_validate(
        {
            "line_no": 1,
            "product_code": "SEAT",
            "description": "Seat",
            "charge": "recurring",
            "billing_period": "month",
            "quantity": quantity,
            "unit_price": Money.of(unit, "EUR"),
            "list_amount": Money.of(listed, "EUR"),
            "discount_percent": D(0) if listed == D(net) else D(10),
            "discount_amount": Money.of(listed - D(net), "EUR"),
            "net_amount": Money.of(net, "EUR"),
        }
    )


DEMO_SEATS = seat_line(25, "49.00", "1102.50", list_amount="1225.00")


def subscribed(start: date, end: date, line: PricedLine, timing: str = "in_advance") -> Any:
    return OrderPlaced.model_validate(
        {
            "billing_timing": timing,
            "lead_id": uuid4(),
            "account_id": uuid4(),
            "order_id": uuid4(),
            "contract_id": uuid4(),
            "customer_name": "Analytical Engines Ltd",
            "currency": "EUR",
            "start_date": start,
            "end_date": end,
            "billing_period": "month",
            "payment_terms_days": 30,
            "lines": [line],
            "placed_at": AT,
        }
    )


def renewed(placed: OrderPlaced, start: date, end: date, line: PricedLine) -> ContractRenewed:
    return ContractRenewed(
        lead_id=placed.lead_id,
        account_id=placed.account_id,
        contract_id=placed.contract_id,
        currency="EUR",
        start_date=start,
        end_date=end,
        billing_period="month",
        uplift_percent=D(3),
        lines=[line],
        renewed_at=AT,
    )


def terminated(placed: OrderPlaced, last_day: date) -> ContractTerminated:
    return ContractTerminated(
        lead_id=placed.lead_id,
        account_id=placed.account_id,
        contract_id=placed.contract_id,
        effective_date=last_day,
        reason="customer gave notice",
        terminated_at=AT,
    )


async def renew(billing: Billing, event: ContractRenewed) -> None:
    async with billing.unit_of_work() as uow:
        await terms.renew_subscription(event, uow)


async def terminate(billing: Billing, event: ContractTerminated) -> None:
    async with billing.unit_of_work() as uow:
        await terms.terminate_subscription(event, uow)


async def subscription(billing: Billing, sid: UUID) -> Any:
    async with billing.unit_of_work() as uow:
        return (
            await uow.session.execute(sa.select(subscriptions).where(subscriptions.c.id == sid))
        ).one()


def billed(found: list[dict[str, Any]]) -> list[tuple[date, date, D]]:
    return [(i["period_start"], i["period_end"], i["total"]) for i in found]


async def test_the_renewed_term_is_invoiced_at_the_uplifted_prices_of_the_event(
    billing: Billing,
) -> None:
    billing.clock.set("2026-02-28")
    placed = subscribed(date(2026, 3, 1), date(2027, 2, 28), seat_line(25, "49.00", "1225.00"))
    sid = await billing.activate(placed)
    billing.clock.set("2027-02-28")  # contract-svc auto-renews on the term's last day
    await renew(
        billing,
        renewed(placed, date(2027, 3, 1), date(2028, 2, 29), seat_line(25, "50.47", "1261.75")),
    )
    billing.clock.set("2027-03-02")
    assert await billing.run() == 12  # April 2026 … March 2027 (March 2026 at activation)
    found = await billing.invoices(sid)
    assert len(found) == 12 + 1
    assert billed(found)[11:] == [
        (date(2027, 2, 1), date(2027, 2, 28), D("1225.00")),
        (date(2027, 3, 1), date(2027, 3, 31), D("1261.75")),  # 25 × 50.47, not uplifted twice
    ]
    assert [(line["unit_price"], line["amount"]) for line in found[12]["lines"]] == [
        (D("50.47"), D("1261.75"))
    ]
    billing.clock.set("2028-04-15")
    assert await billing.run() == 11  # April 2027 … February 2028, then the term is over
    found = await billing.invoices(sid)
    assert billed(found)[-1] == (date(2028, 2, 1), date(2028, 2, 29), D("1261.75"))
    sub = await subscription(billing, sid)
    assert (sub.status, sub.end_date) == ("ended", date(2028, 2, 29))


async def test_the_same_renewal_again_changes_nothing_and_other_terms_for_it_are_refused(
    billing: Billing,
) -> None:
    billing.clock.set("2026-02-28")
    placed = subscribed(date(2026, 3, 1), date(2027, 2, 28), DEMO_SEATS)
    sid = await billing.activate(placed)
    uplifted = seat_line(25, "50.47", "1135.58", list_amount="1261.75")
    event = renewed(placed, date(2027, 3, 1), date(2028, 2, 29), uplifted)
    await renew(billing, event)
    await renew(billing, event.model_copy(update={"renewed_at": datetime.now(UTC)}))
    assert (await subscription(billing, sid)).end_date == date(2028, 2, 29)
    other = renewed(placed, date(2027, 3, 1), date(2028, 2, 29), DEMO_SEATS)
    with pytest.raises(RuleViolation, match="renewed from 2027-03-01 already"):
        await renew(billing, other)
    gap = renewed(placed, date(2028, 4, 1), date(2029, 3, 31), uplifted)
    with pytest.raises(RuleViolation, match=r"day after its term ends \(2028-03-01\)"):
        await renew(billing, gap)
    billing.clock.set("2027-03-02")
    await billing.run()
    assert billed(await billing.invoices(sid))[-1] == (
        date(2027, 3, 1),
        date(2027, 3, 31),
        D("1135.58"),  # 1102.50 × 1.03 = 1135.575, half-up in contract-svc
    )


async def test_a_renewal_after_billing_ended_resumes_from_the_new_start(billing: Billing) -> None:
    billing.clock.set("2026-02-28")
    placed = subscribed(date(2026, 3, 1), date(2027, 2, 28), DEMO_SEATS)
    sid = await billing.activate(placed)
    billing.clock.set("2027-03-05")  # billing got past the term before the renewal came
    await billing.run()
    assert (await subscription(billing, sid)).status == "ended"
    uplifted = seat_line(25, "50.47", "1135.58", list_amount="1261.75")
    await renew(billing, renewed(placed, date(2027, 3, 1), date(2028, 2, 29), uplifted))
    assert await billing.run() == 1
    sub = await subscription(billing, sid)
    assert (sub.status, sub.next_period_index) == ("active", 13)
    found = await billing.invoices(sid)
    assert len(found) == 13
    assert billed(found)[-1] == (date(2027, 3, 1), date(2027, 3, 31), D("1135.58"))


async def test_a_renewal_starting_inside_an_invoiced_period_charges_the_new_prices_by_day(
    billing: Billing,
) -> None:
    # Terms chained from 31 January drift off the anchored periods: the term ending 27 March
    # renews from 28 March, inside the period 28 February – 30 March (31 days).
    billing.clock.set("2026-01-30")
    placed = subscribed(date(2026, 1, 31), date(2026, 3, 27), seat_line(10, "10.00", "100.00"))
    sid = await billing.activate(placed)
    billing.clock.set("2026-03-01")
    assert await billing.run() == 1  # 28 February – 30 March, in advance
    billing.clock.set("2026-03-27")
    await renew(
        billing,
        renewed(placed, date(2026, 3, 28), date(2026, 4, 27), seat_line(10, "10.30", "103.00")),
    )
    billing.clock.set("2026-04-01")
    assert await billing.run() == 1
    april = (await billing.invoices(sid))[-1]
    # 28–30 March are 3 of 31 days: credit 100.00 × 3/31 = 9.677… → 9.68, charge
    # 103.00 × 3/31 = 9.967… → 9.97; the period from 31 March at 103.00.
    assert [line["amount"] for line in april["lines"]] == [D("103.00"), D("-9.68"), D("9.97")]
    assert april["total"] == D("103.29")


async def test_a_termination_inside_a_period_invoiced_in_advance_credits_the_unused_days(
    billing: Billing,
) -> None:
    billing.clock.set("2026-02-28")
    placed = subscribed(date(2026, 3, 1), date(2027, 2, 28), DEMO_SEATS)
    sid = await billing.activate(placed)  # March: 1102.50
    billing.clock.set("2026-03-05")
    await terminate(billing, terminated(placed, date(2026, 3, 20)))
    await terminate(billing, terminated(placed, date(2026, 3, 20)))  # again: nothing more
    with pytest.raises(RuleViolation, match="last day 2026-03-20 already"):
        await terminate(billing, terminated(placed, date(2026, 3, 25)))
    async with billing.unit_of_work() as uow:
        notes = (await uow.session.execute(sa.select(credit_notes))).all()
    # 21–31 March unused, 11 of 31 days: 1102.50 × 11 / 31 = 391.209… → 391.21.
    assert [(n.subtotal, n.total, n.reason) for n in notes] == [
        (D("391.21"), D("391.21"), "customer gave notice")
    ]
    assert [line["amount"]["amount"] for line in notes[0].lines] == ["391.21"]
    assert (notes[0].lines[0]["period_start"], notes[0].lines[0]["period_end"]) == (
        "2026-03-21",
        "2026-03-31",
    )
    billing.clock.set("2027-04-01")  # a year on: nothing after the last day is invoiced
    assert await billing.run() == 0
    assert len(await billing.invoices(sid)) == 1
    sub = await subscription(billing, sid)
    assert (sub.status, sub.end_date, sub.terminated_on) == (
        "terminated",
        date(2026, 3, 20),
        date(2026, 3, 20),
    )


async def test_a_termination_notified_before_its_period_is_invoiced_charges_up_to_the_last_day(
    billing: Billing,
) -> None:
    billing.clock.set("2026-02-28")
    placed = subscribed(date(2026, 3, 1), date(2027, 2, 28), DEMO_SEATS)
    sid = await billing.activate(placed)
    billing.clock.set("2026-03-10")
    await terminate(billing, terminated(placed, date(2026, 4, 20)))
    billing.clock.set("2026-12-01")
    assert await billing.run() == 1
    april = (await billing.invoices(sid))[-1]
    # 1–20 April of 30 days: 1102.50 − 1102.50 × 10/30 (367.50) = 735.00; no credit note.
    assert (april["period_start"], april["period_end"], april["total"]) == (
        date(2026, 4, 1),
        date(2026, 4, 20),
        D("735.00"),
    )
    assert april["lines"][0]["description"] == "Seat (last day of service 2026-04-20)"
    async with billing.unit_of_work() as uow:
        assert await uow.session.scalar(sa.select(sa.func.count()).select_from(credit_notes)) == 0
    assert (await subscription(billing, sid)).status == "terminated"


async def test_in_arrears_the_final_partial_period_is_invoiced_up_to_the_last_day(
    billing: Billing,
) -> None:
    billing.clock.set("2026-01-31")
    placed = subscribed(date(2026, 2, 1), date(2027, 1, 31), DEMO_SEATS, timing="in_arrears")
    sid = await billing.activate(placed)
    billing.clock.set("2026-02-15")
    await terminate(billing, terminated(placed, date(2026, 3, 20)))
    billing.clock.set("2027-03-01")
    assert await billing.run() == 2
    found = await billing.invoices(sid)
    # March: 1–20 of 31 days = 1102.50 − 1102.50 × 11/31 (391.21) = 711.29; the discount
    # likewise 122.50 − 43.47 = 79.03. February in full.
    assert billed(found) == [
        (date(2026, 2, 1), date(2026, 2, 28), D("1102.50")),
        (date(2026, 3, 1), date(2026, 3, 20), D("711.29")),
    ]
    assert found[1]["lines"][0]["discount_amount"] == D("79.03")
    sub = await subscription(billing, sid)
    assert (sub.status, sub.end_date) == ("terminated", date(2026, 3, 20))
    with pytest.raises(RuleViolation, match="cannot be renewed"):
        await renew(billing, renewed(placed, date(2026, 3, 21), date(2027, 3, 20), DEMO_SEATS))
