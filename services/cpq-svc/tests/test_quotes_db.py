"""Quotes on a real database: price versions by effective date, prices frozen on a quote and
its revisions, the segment's price book, approvals and the expiry job's claim."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa

from cpq_svc.adapters.quote_store import Quote
from cpq_svc.adapters.tables import price_book_entries
from cpq_svc.app import MIGRATIONS
from cpq_svc.domain.quote_pricing import RequestedLine
from cpq_svc.handlers import lifecycle
from cpq_svc.handlers import quotes as handlers
from cpq_svc.handlers.documents import quote_document
from l2c_platform.testing import FixedClock, migrated_database
from l2c_runtime.auth import Principal
from l2c_runtime.db import session_factory
from l2c_runtime.errors import Conflict
from l2c_runtime.messaging_tables import outbox
from l2c_runtime.unit_of_work import UnitOfWork, unit_of_work_factory
from l2c_schemas import OpportunityOpened, QuoteAccepted

# Needs PostgreSQL: runs with the integration tests, not in `make test-unit`.
pytestmark = pytest.mark.integration

D = Decimal
DB = "l2c_cpq_svc_tests"


@dataclass
class Cpq:
    clock: FixedClock
    unit_of_work: Callable[[], Any]
    opportunity_id: UUID

    async def quote(self, *lines: RequestedLine, **terms: Any) -> Quote:
        async with self.unit_of_work() as uow:
            request = handlers.QuoteRequest(self.opportunity_id, "EUR", list(lines), **terms)
            return await handlers.create_quote(request, uow)


MARIA = Principal("maria", frozenset({"sales_manager"}), frozenset())
FRANK = Principal("frank", frozenset({"finance"}), frozenset())


@pytest.fixture
async def cpq() -> AsyncIterator[Cpq]:
    async with migrated_database(DB, MIGRATIONS) as engine:
        clock = FixedClock(datetime(2026, 2, 15, 12, tzinfo=UTC))
        uow = unit_of_work_factory(session_factory(engine), clock, "/test")
        opportunity = OpportunityOpened(
            lead_id=uuid4(),
            account_id=uuid4(),
            opportunity_id=uuid4(),
            account_name="Analytical Engines Ltd",
            name="Platform",
            stage="qualification",
            opened_at=clock.now(),
        )
        async with uow() as u:
            await handlers.remember_opportunity(opportunity, u)
            await new_seat_price(u, D("52.00"), date(2026, 3, 1))
        yield Cpq(clock, uow, opportunity.opportunity_id)


async def new_seat_price(uow: UnitOfWork, price: Decimal, effective_from: date) -> None:
    """A new version of the seat's standard EUR price."""
    await uow.session.execute(
        sa.insert(price_book_entries).values(
            price_book="standard",
            currency="EUR",
            product_code="PLAT-SEAT",
            unit_price=price,
            effective_from=effective_from,
        )
    )


SEATS = RequestedLine("PLAT-SEAT", D(10))


def seat_price(quote: Quote) -> Decimal:
    return quote.lines[0].unit_price.amount


async def test_a_quote_uses_the_price_version_effective_on_its_day(cpq: Cpq) -> None:
    cpq.clock.set("2026-02-28")
    assert seat_price(await cpq.quote(SEATS)) == D("49.00")
    cpq.clock.set("2026-03-01")
    assert seat_price(await cpq.quote(SEATS)) == D("52.00")


async def test_a_price_version_entered_today_prices_the_very_next_quote(cpq: Cpq) -> None:
    assert seat_price(await cpq.quote(SEATS)) == D("49.00")
    async with cpq.unit_of_work() as uow:
        await new_seat_price(uow, D("50.00"), cpq.clock.now().date())
    assert seat_price(await cpq.quote(SEATS)) == D("50.00")


async def test_a_revision_of_a_valid_quote_keeps_the_prices_it_was_quoted(cpq: Cpq) -> None:
    cpq.clock.set("2026-02-20")
    quote = await cpq.quote(SEATS)
    cpq.clock.set("2026-03-05")  # new price in force, quote valid until 2026-03-22
    async with cpq.unit_of_work() as uow:
        revision = await handlers.revise_quote(quote.row["id"], None, uow)
    assert seat_price(revision) == D("49.00")
    assert revision.row["version"] == 2
    assert revision.row["priced_on"] == date(2026, 2, 20)


async def test_a_revision_after_expiry_is_priced_from_today(cpq: Cpq) -> None:
    cpq.clock.set("2026-02-20")
    quote = await cpq.quote(SEATS)
    cpq.clock.set("2026-03-23")
    async with cpq.unit_of_work() as uow:
        assert await lifecycle.expire_due_quotes(uow) >= 1
    async with cpq.unit_of_work() as uow:
        revision = await handlers.revise_quote(quote.row["id"], None, uow)
    assert seat_price(revision) == D("52.00")


async def test_the_enterprise_segment_quotes_from_its_price_book(cpq: Cpq) -> None:
    quote = await cpq.quote(SEATS, segment="enterprise")
    assert (quote.row["price_book"], seat_price(quote)) == ("enterprise", D("45.00"))


async def test_the_expiry_job_expires_open_quotes_after_their_last_valid_day_only(
    cpq: Cpq,
) -> None:
    quote = await cpq.quote(SEATS)  # 2026-02-15, valid until 2026-03-17
    cpq.clock.set("2026-03-17")
    async with cpq.unit_of_work() as uow:
        assert await lifecycle.expire_due_quotes(uow) == 0
    cpq.clock.set("2026-03-18")
    async with cpq.unit_of_work() as uow:
        assert await lifecycle.expire_due_quotes(uow) == 1
    async with cpq.unit_of_work() as uow:
        assert await lifecycle.expire_due_quotes(uow) == 0  # nothing twice
        with pytest.raises(Conflict, match="already expired"):
            await lifecycle.accept_quote(quote.row["id"], uow)
    async with cpq.unit_of_work() as uow:
        types = (await uow.session.scalars(sa.select(outbox.c.ce_type))).all()
    assert types.count("l2c.cpq.QuoteExpired.v1") == 1


async def test_a_claimed_quote_is_skipped_by_another_replica(cpq: Cpq) -> None:
    await cpq.quote(SEATS)
    cpq.clock.set("2026-04-01")
    async with cpq.unit_of_work() as first:
        assert await lifecycle.expire_due_quotes(first, batch=1) == 1
        async with cpq.unit_of_work() as second:  # the first still holds its row
            assert await lifecycle.expire_due_quotes(second, batch=1) == 0


async def test_an_approved_chain_lets_the_quote_be_accepted_with_its_waterfall(cpq: Cpq) -> None:
    quote = await cpq.quote(RequestedLine("PLAT-SEAT", D(25), D(35)))
    quote_id = quote.row["id"]
    assert quote.row["status"] == "pending_approval"
    async with cpq.unit_of_work() as uow:
        await lifecycle.decide_approval(quote_id, 1, True, MARIA, "strategic", uow)
    async with cpq.unit_of_work() as uow:
        await lifecycle.decide_approval(quote_id, 2, True, FRANK, None, uow)
    async with cpq.unit_of_work() as uow:
        await lifecycle.accept_quote(quote_id, uow)
    async with cpq.unit_of_work() as uow:
        payloads = (
            await uow.session.scalars(
                sa.select(outbox.c.payload).where(outbox.c.ce_type == "l2c.cpq.QuoteAccepted.v1")
            )
        ).all()
    assert len(payloads) == 1
    assert b'"step":"line discount","percent":"35"' in payloads[0]
    assert b'"net_total":{"amount":"796.25","currency":"EUR"}' in payloads[0]


async def test_a_quote_may_be_valid_for_fewer_days_and_its_revision_keeps_that(cpq: Cpq) -> None:
    quote = await cpq.quote(SEATS, validity_days=7)  # 2026-02-15
    assert quote.row["valid_until"] == date(2026, 2, 22)
    cpq.clock.set("2026-02-20")
    async with cpq.unit_of_work() as uow:
        revision = await handlers.revise_quote(quote.row["id"], None, uow)
    assert revision.row["valid_until"] == date(2026, 2, 27)


async def test_a_quoted_trial_is_kept_by_revisions_and_accepted_with_the_quote(cpq: Cpq) -> None:
    quote = await cpq.quote(SEATS, trial_days=14, trial_requires_payment_method=True)
    async with cpq.unit_of_work() as uow:
        revision = await handlers.revise_quote(quote.row["id"], None, uow)
    assert (revision.row["trial_days"], revision.row["trial_requires_payment_method"]) == (14, True)
    assert (
        "Free trial: the first 14 days, a payment method required; charged from the day after"
        in quote_document(revision).terms
    )
    assert not any("trial" in term for term in quote_document(await cpq.quote(SEATS)).terms)
    async with cpq.unit_of_work() as uow:
        await lifecycle.accept_quote(revision.row["id"], uow)
        payload = await uow.session.scalar(
            sa.select(outbox.c.payload).where(outbox.c.ce_type == "l2c.cpq.QuoteAccepted.v1")
        )
    accepted = QuoteAccepted.model_validate_json(payload)
    assert (accepted.trial_days, accepted.trial_requires_payment_method) == (14, True)
