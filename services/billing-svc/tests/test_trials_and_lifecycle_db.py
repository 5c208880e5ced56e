"""Free trials and the subscription's lifecycle events on a real database, amounts by hand.

The order of every test: 10 seats × 10.00 = 100.00 a month and a one-time onboarding fee of
50.00, from 1 March 2026 (March has 31 days), billed in advance. With a 14-day trial the days
1–14 March are free; 15 March is the first paid day, and March is charged for its 17 paid
days by the day-based rule of billing (domain.proration): 100.00 × 17/31 = 54.838… → 54.84.
TrialEnding comes 3 days (the default notice) before the first paid day: on 12 March."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from billing_svc.adapters.tables import credit_notes, subscriptions
from billing_svc.handlers import amendments, terms, trials
from l2c_platform.factories import contract_amended, contract_terminated, order_placed, priced_line
from l2c_runtime.messaging_tables import outbox
from l2c_schemas import OrderPlaced

# Needs PostgreSQL: runs with the integration tests, not in `make test-unit`.
pytestmark = pytest.mark.integration

if TYPE_CHECKING:
    from conftest import Billing  # the `billing` fixture

D = Decimal
SEATS = priced_line("SEAT", 10, "10.00")
MORE_SEATS = priced_line("SEAT", 20, "10.00")
ONBOARDING = priced_line("ONBOARD", 1, "50.00", line_no=2, charge="one_time")


def trial_order(days: int = 14, end: date = date(2027, 2, 28)) -> OrderPlaced:
    return order_placed(date(2026, 3, 1), end, SEATS, ONBOARDING, trial_days=days)


async def on(billing: Billing, day: str) -> int:
    """Move to `day` and do what the jobs do then: the trial notices, then the billing run;
    returns the number of invoices made."""
    billing.clock.set(day)
    async with billing.unit_of_work() as uow:
        await trials.follow_trials(uow, notice_days=3, limit=100)
    return await billing.run()


async def events(billing: Billing, name: str) -> list[dict[str, Any]]:
    """The payloads of billing's events of type `name` in the outbox, oldest first."""
    async with billing.unit_of_work() as uow:
        rows = await uow.session.execute(
            sa.select(outbox.c.payload)
            .where(outbox.c.ce_type == f"l2c.billing.{name}.v1")
            .order_by(outbox.c.id)
        )
        return [json.loads(row.payload) for row in rows]


def lines(invoice: dict[str, Any]) -> list[tuple[str, Decimal, date]]:
    return [(i["product_code"], i["amount"], i["period_start"]) for i in invoice["lines"]]


async def status(billing: Billing, sid: UUID) -> str:
    async with billing.unit_of_work() as uow:
        query = sa.select(subscriptions.c.status).where(subscriptions.c.id == sid)
        return str(await uow.session.scalar(query))


async def test_a_14_day_trial_bills_nothing_until_day_15_then_the_rest_of_march(
    billing: Billing,
) -> None:
    billing.clock.set("2026-03-01")
    sid = await billing.activate(trial_order())
    assert (await events(billing, "SubscriptionActivated"))[0]["trial_end"] == "2026-03-14"
    for day in ("2026-03-01", "2026-03-11", "2026-03-12", "2026-03-13", "2026-03-14"):
        assert await on(billing, day) == 0
        assert await billing.invoices(sid) == []
        if day == "2026-03-11":
            assert await events(billing, "TrialEnding") == []
    [ending] = await events(billing, "TrialEnding")  # on the 12th, once
    assert (ending["trial_end"], ending["first_charge_date"]) == ("2026-03-14", "2026-03-15")
    assert ending["payment_method_required"] is False
    assert ending["notified_at"].startswith("2026-03-12")
    assert await events(billing, "TrialEnded") == []

    assert await on(billing, "2026-03-15") == 0  # the trial job issued it, not the run
    [march] = await billing.invoices(sid)
    assert march["issue_date"] == date(2026, 3, 15)
    assert lines(march) == [
        ("SEAT", D("54.84"), date(2026, 3, 15)),
        ("ONBOARD", D("50.00"), date(2026, 3, 1)),
    ]
    assert march["total"] == D("104.84")
    [ended] = await events(billing, "TrialEnded")
    assert ended["first_charge_date"] == "2026-03-15"

    assert await on(billing, "2026-04-02") == 1
    april = (await billing.invoices(sid))[1]
    assert lines(april) == [("SEAT", D("100.00"), date(2026, 4, 1))]
    assert len(await events(billing, "TrialEnding")) == len(await events(billing, "TrialEnded"))


async def test_a_cancellation_on_day_10_of_the_trial_bills_nothing_and_says_so(
    billing: Billing,
) -> None:
    billing.clock.set("2026-03-01")
    placed = trial_order()
    sid = await billing.activate(placed)
    billing.clock.set("2026-03-10")
    async with billing.unit_of_work() as uow:
        await terms.terminate_subscription(
            contract_terminated(placed, date(2026, 3, 10), "not for us"), uow
        )
    assert await status(billing, sid) == "terminated"
    [terminated] = await events(billing, "SubscriptionTerminated")
    assert terminated["last_day"] == "2026-03-10"
    assert terminated["reason"] == "not for us"
    assert terminated["during_trial"] is True
    assert terminated["final_credit"] is None

    for day in ("2026-03-12", "2026-03-15", "2026-04-02", "2026-05-02"):
        assert await on(billing, day) == 0
    assert await billing.invoices(sid) == []
    async with billing.unit_of_work() as uow:
        assert (await uow.session.execute(sa.select(credit_notes))).all() == []
    for name in ("TrialEnding", "TrialEnded", "SubscriptionEnded", "InvoiceIssued"):
        assert await events(billing, name) == []


async def test_a_termination_after_the_trial_credits_the_paid_days_after_the_last_one(
    billing: Billing,
) -> None:
    billing.clock.set("2026-03-01")
    placed = trial_order()
    await billing.activate(placed)
    await on(billing, "2026-03-15")  # March charged 54.84 for 15–31
    billing.clock.set("2026-03-18")
    async with billing.unit_of_work() as uow:
        await terms.terminate_subscription(
            contract_terminated(placed, date(2026, 3, 20), "budget cut"), uow
        )
    # 21–31 March were invoiced and will not be used: 100.00 × 11/31 = 35.483… → 35.48.
    [terminated] = await events(billing, "SubscriptionTerminated")
    assert terminated["during_trial"] is False
    assert terminated["final_credit"] == {"amount": "35.48", "currency": "EUR"}
    async with billing.unit_of_work() as uow:
        [note] = (await uow.session.execute(sa.select(credit_notes))).all()
    assert (note.id, note.total) == (UUID(terminated["credit_note_id"]), D("35.48"))


async def test_an_amendment_after_the_trial_says_what_changed_and_its_proration(
    billing: Billing,
) -> None:
    billing.clock.set("2026-03-01")
    placed = trial_order()
    sid = await billing.activate(placed)
    await on(billing, "2026-03-15")
    billing.clock.set("2026-03-20")
    amendment = contract_amended(placed, date(2026, 3, 20), MORE_SEATS, ONBOARDING)
    async with billing.unit_of_work() as uow:
        await amendments.amend_subscription(amendment, uow)
    # 20–31 March are 12 of 31 days: credit 100.00 × 12/31 = 38.709… → 38.71, charge
    # 200.00 × 12/31 = 77.419… → 77.42; the net 38.71 goes on April's invoice.
    [changed] = await events(billing, "SubscriptionChanged")
    assert changed["amendment_id"] == str(amendment.amendment_id)
    assert (changed["effective_date"], changed["reason"]) == ("2026-03-20", "upsell")
    assert [
        (i["product_code"], D(i["quantity"]), i["net_amount"]["amount"])
        for i in changed["old_items"]
    ] == [("SEAT", 10, "100.00"), ("ONBOARD", 1, "50.00")]
    assert [
        (i["product_code"], D(i["quantity"]), i["net_amount"]["amount"])
        for i in changed["new_items"]
    ] == [("SEAT", 20, "200.00"), ("ONBOARD", 1, "50.00")]
    assert [p["amount"]["amount"] for p in changed["proration"]] == ["-38.71", "77.42"]
    assert changed["proration_total"] == {"amount": "38.71", "currency": "EUR"}

    assert await on(billing, "2026-04-02") == 1
    april = (await billing.invoices(sid))[1]
    assert [line[1] for line in lines(april)] == [D("200.00"), D("-38.71"), D("77.42")]
    assert april["total"] == D("238.71")


async def test_an_amendment_during_the_trial_is_charged_from_the_first_paid_day_only(
    billing: Billing,
) -> None:
    billing.clock.set("2026-03-01")
    placed = trial_order()
    sid = await billing.activate(placed)
    billing.clock.set("2026-03-05")
    async with billing.unit_of_work() as uow:
        await amendments.amend_subscription(
            contract_amended(placed, date(2026, 3, 5), MORE_SEATS, ONBOARDING), uow
        )
    assert await events(billing, "SubscriptionChanged") == []  # applied when March is billed
    await on(billing, "2026-03-15")
    # The 10 seats of 15–31 March (54.84), the change from the 15th: credit 54.84 and charge
    # 200.00 × 17/31 = 109.677… → 109.68: 20 seats for the paid days, nothing for 5–14.
    [march] = await billing.invoices(sid)
    assert [line[1] for line in lines(march)] == [
        D("54.84"),
        D("50.00"),
        D("-54.84"),
        D("109.68"),
    ]
    assert march["total"] == D("159.68")
    [changed] = await events(billing, "SubscriptionChanged")
    assert changed["proration_total"] == {"amount": "54.84", "currency": "EUR"}


async def test_a_term_that_runs_out_ends_the_subscription_with_subscription_ended(
    billing: Billing,
) -> None:
    billing.clock.set("2026-03-01")
    placed = order_placed(date(2026, 3, 1), date(2026, 4, 30), SEATS)
    sid = await billing.activate(placed)
    assert await on(billing, "2026-05-02") == 1  # April; then the run closes the term
    assert await status(billing, sid) == "ended"
    [ended] = await events(billing, "SubscriptionEnded")
    assert (ended["subscription_id"], ended["end_date"]) == (str(sid), "2026-04-30")
    assert ended["contract_id"] == str(placed.contract_id)
    assert await events(billing, "SubscriptionTerminated") == []


async def test_an_amendment_inside_a_period_billed_in_arrears_bills_the_old_items_and_the_change(
    billing: Billing,
) -> None:
    billing.clock.set("2026-03-01")
    placed = order_placed(date(2026, 3, 1), date(2027, 2, 28), SEATS).model_copy(
        update={"billing_timing": "in_arrears"}
    )
    sid = await billing.activate(placed)
    billing.clock.set("2026-03-11")
    async with billing.unit_of_work() as uow:
        await amendments.amend_subscription(
            contract_amended(placed, date(2026, 3, 11), MORE_SEATS), uow
        )
    assert await on(billing, "2026-04-02") == 1
    # March: the 10 seats in force on the 1st (100.00), then from the 11th (21 of 31 days)
    # their credit 100.00 × 21/31 = 67.74 and 20 seats' charge 200.00 × 21/31 = 135.48.
    [march] = await billing.invoices(sid)
    assert [line[1] for line in lines(march)] == [D("100.00"), D("-67.74"), D("135.48")]
    assert march["total"] == D("167.74")


async def test_a_termination_on_the_terms_last_day_is_a_term_that_runs_out(
    billing: Billing,
) -> None:
    billing.clock.set("2026-03-01")
    placed = order_placed(date(2026, 3, 1), date(2026, 4, 30), SEATS)
    sid = await billing.activate(placed)
    billing.clock.set("2026-05-01")  # contract-svc expires the contract the day after its term
    async with billing.unit_of_work() as uow:
        await terms.terminate_subscription(
            contract_terminated(placed, date(2026, 4, 30), "expired: not renewed"), uow
        )
    assert await events(billing, "SubscriptionTerminated") == []
    assert await on(billing, "2026-05-02") == 1  # April, in full: nothing was cut short
    assert (await billing.invoices(sid))[1]["total"] == D("100.00")
    assert await status(billing, sid) == "ended"
    [ended] = await events(billing, "SubscriptionEnded")
    assert (ended["end_date"], ended["reason"]) == ("2026-04-30", "expired: not renewed")


async def test_a_trial_longer_than_a_period_invoices_both_periods_on_the_first_paid_day(
    billing: Billing,
) -> None:
    billing.clock.set("2026-03-01")
    sid = await billing.activate(trial_order(days=45))  # free to 14 April
    assert await on(billing, "2026-04-14") == 0
    assert await on(billing, "2026-04-15") == 0  # the trial job issued both
    march, april = await billing.invoices(sid)
    # March is free: only the one-time fee of the first invoice. April: 15–30 April, 16 of
    # 30 days: 100.00 × 16/30 = 53.333… → 53.33.
    assert lines(march) == [("ONBOARD", D("50.00"), date(2026, 3, 1))]
    assert lines(april) == [("SEAT", D("53.33"), date(2026, 4, 15))]
    assert march["issue_date"] == april["issue_date"] == date(2026, 4, 15)
