"""contract-svc's handlers and scheduled work on a real PostgreSQL: the migration of skeleton
data, rejected terms revised, countersignature by e-signature, renewal notices once per term
with racing replicas, auto-renewal and expiry at the term's end, and the configurable policy."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from contract_svc import handlers
from contract_svc.adapters.tables import contracts, renewal_notices
from contract_svc.app import MIGRATIONS
from contract_svc.domain.amendment import LineChange
from contract_svc.domain.document import document_hash
from contract_svc.handlers.records import update_contract
from l2c_platform import testing
from l2c_platform.testing import FixedClock
from l2c_runtime.auth import Principal
from l2c_runtime.db import create_engine, session_factory
from l2c_runtime.errors import Conflict, RuleViolation
from l2c_runtime.messaging_tables import outbox
from l2c_runtime.migrations import upgrade_to_head
from l2c_runtime.unit_of_work import UnitOfWork, unit_of_work_factory
from l2c_schemas import Money, OrderPlaced, PricedLine, QuoteAccepted, QuoteTotals
from l2c_schemas.contract import ContractAmended
from l2c_schemas.cpq import UsageRate

# Needs PostgreSQL: runs with the integration tests, not in `make test-unit`.
pytestmark = pytest.mark.integration

PG = os.environ.get("L2C_PG_URL", "postgresql://l2c:l2c@127.0.0.1:5432")
DB = "l2c_contract_svc_tests"
ASYNC_URL = f"{PG.replace('postgresql://', 'postgresql+asyncpg://')}/{DB}"


@dataclass
class Service:
    clock: FixedClock
    unit_of_work: Callable[[], Any]

    async def drain(self, one: Callable[[UnitOfWork], Awaitable[bool]]) -> None:
        while True:
            async with self.unit_of_work() as uow:
                if not await one(uow):
                    return

    async def emitted(self, ce_type: str, subject: UUID) -> int:
        async with self.unit_of_work() as uow:
            return int(
                (
                    await uow.session.execute(
                        sa.select(sa.func.count())
                        .select_from(outbox)
                        .where(
                            outbox.c.ce_type == f"l2c.contract.{ce_type}.v1",
                            sa.cast(outbox.c.headers, sa.Text).contains(str(subject)),
                        )
                    )
                ).scalar_one()
            )

    async def draft(self, payment_terms_days: int = 30, **trial: Any) -> UUID:
        accepted = QuoteAccepted(
            lead_id=uuid4(),
            account_id=uuid4(),
            quote_id=uuid4(),
            opportunity_id=uuid4(),
            customer_name="Analytical Engines Ltd",
            version=1,
            currency="EUR",
            term_months=12,
            billing_period="month",
            payment_terms_days=payment_terms_days,
            lines=[SEATS],
            totals=QuoteTotals(
                list_total=Money.of("1225.00", "EUR"),
                discount_total=Money.of("122.50", "EUR"),
                net_total=Money.of("1102.50", "EUR"),
            ),
            accepted_at=self.clock.now(),
            **trial,
        )
        async with self.unit_of_work() as uow:
            contract_id = await handlers.draft_contract(accepted, uow)
        assert contract_id is not None
        return contract_id

    async def sign(self, contract_id: UUID) -> None:
        async with self.unit_of_work() as uow:
            await handlers.sign_contract(contract_id, "Ada Lovelace <ada@engines.example>", uow)

    async def contract(self, contract_id: UUID) -> handlers.ContractRecord:
        async with self.unit_of_work() as uow:
            record = await handlers.find_contract(contract_id, uow)
        assert record is not None
        return record


SEATS = PricedLine(
    line_no=1,
    product_code="PLAT-SEAT",
    description="Platform seat",
    charge="recurring",
    billing_period="month",
    quantity=Decimal(25),
    unit_price=Money.of("49.00", "EUR"),
    list_amount=Money.of("1225.00", "EUR"),
    discount_percent=Decimal(10),
    discount_amount=Money.of("122.50", "EUR"),
    net_amount=Money.of("1102.50", "EUR"),
)


FIN = Principal("fin@l2c.example", frozenset({"finance"}), frozenset())


@pytest.fixture
async def empty_database() -> AsyncIterator[str]:
    yield await testing.empty_database(DB)


@pytest.fixture
async def service(empty_database: str) -> AsyncIterator[Service]:
    await asyncio.to_thread(upgrade_to_head, MIGRATIONS, empty_database)
    engine = create_engine(empty_database, 4)
    clock = FixedClock()
    try:
        yield Service(clock, unit_of_work_factory(session_factory(engine), clock, "/test"))
    finally:
        await engine.dispose()


def _upgrade_to(revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", ASYNC_URL)
    command.upgrade(config, revision)


async def test_a_contract_signed_before_the_migration_stays_signed_and_countersigned(
    empty_database: str,
) -> None:
    await asyncio.to_thread(_upgrade_to, "0001")
    conn = await asyncpg.connect(f"{PG}/{DB}")
    contract_id = uuid4()
    try:
        await conn.execute(
            "INSERT INTO contracts (id, quote_id, opportunity_id, lead_id, account_id,"
            " customer_name, status, currency, start_date, end_date, term_months,"
            " billing_period, payment_terms_days, total_contract_value, signed_by, signed_at,"
            " drafted_at) VALUES ($1, $2, $3, $4, $5, 'Acme', 'signed', 'EUR', '2026-01-02',"
            " '2027-01-01', 12, 'month', 30, 14730.00, 'Ada <ada@x.example>', now(), now())",
            contract_id,
            uuid4(),
            uuid4(),
            uuid4(),
            uuid4(),
        )
        await conn.execute(
            "INSERT INTO orders (id, contract_id, status, placed_at) VALUES ($1, $2, 'placed',"
            " now())",
            uuid4(),
            contract_id,
        )
        await asyncio.to_thread(_upgrade_to, "head")
        row = await conn.fetchrow("SELECT * FROM contracts WHERE id = $1", contract_id)
        order = await conn.fetchrow("SELECT * FROM orders WHERE contract_id = $1", contract_id)
    finally:
        await conn.close()
    assert row["status"] == "signed"
    assert row["term_start_date"] == date(2026, 1, 2)
    assert row["countersigned_by"] == "automatic"
    assert (row["auto_renew"], row["uplift_percent"], row["billing_timing"]) == (
        True,
        Decimal("3.0000"),
        "in_advance",
    )
    assert (order["status"], order["attempt"]) == ("placed", 1)


async def test_racing_replicas_announce_a_renewal_once_per_term(service: Service) -> None:
    contract_id = await service.draft()  # accepted 2026-01-01: 2026-01-02 to 2027-01-01
    await service.sign(contract_id)
    service.clock.set("2026-11-01")  # one day before end − 60 days
    await asyncio.gather(*(service.drain(handlers.announce_next_renewal) for _ in range(2)))
    assert await service.emitted("RenewalDue", contract_id) == 0

    service.clock.set("2026-11-02")
    await asyncio.gather(*(service.drain(handlers.announce_next_renewal) for _ in range(3)))
    await service.drain(handlers.announce_next_renewal)
    assert await service.emitted("RenewalDue", contract_id) == 1
    async with service.unit_of_work() as uow:
        value = (
            await uow.session.execute(
                sa.select(renewal_notices.c.renewal_value).where(
                    renewal_notices.c.contract_id == contract_id
                )
            )
        ).scalar_one()
    assert value == Decimal("13626.96")  # 12 × 1135.58


async def test_activation_happens_on_the_start_date_once(service: Service) -> None:
    contract_id = await service.draft()
    await service.sign(contract_id)
    await service.drain(handlers.activate_next_due_contract)
    assert (await service.contract(contract_id)).row["status"] == "signed"
    service.clock.set("2026-01-02")
    await asyncio.gather(*(service.drain(handlers.activate_next_due_contract) for _ in range(2)))
    assert (await service.contract(contract_id)).row["status"] == "active"
    assert await service.emitted("ContractActivated", contract_id) == 1


async def test_auto_renewal_on_the_last_day_and_expiry_the_day_after(service: Service) -> None:
    renewing = await service.draft()
    lapsing = await service.draft()
    async with service.unit_of_work() as uow:
        await handlers.revise_terms(lapsing, {"auto_renew": False}, uow)
    for contract_id in (renewing, lapsing):
        await service.sign(contract_id)

    service.clock.set("2026-12-31")
    await service.drain(handlers.end_next_expiring_term)
    assert (await service.contract(renewing)).row["term_number"] == 1

    service.clock.set("2027-01-01")
    await service.drain(handlers.end_next_expiring_term)
    renewed = await service.contract(renewing)
    assert (renewed.row["term_number"], renewed.row["end_date"]) == (2, date(2028, 1, 1))
    assert renewed.lines[0].net_amount == Money.of("1135.58", "EUR")
    assert (await service.contract(lapsing)).row["status"] == "signed"

    service.clock.set("2027-01-02")
    await service.drain(handlers.end_next_expiring_term)
    assert (await service.contract(lapsing)).row["status"] == "expired"
    assert (await service.contract(renewing)).row["term_number"] == 2
    assert await service.emitted("ContractRenewed", renewing) == 1
    assert await service.emitted("ContractTerminated", lapsing) == 1


async def test_a_changed_policy_applies_to_contracts_drafted_afterwards(service: Service) -> None:
    before = await service.draft(payment_terms_days=30)
    async with service.unit_of_work() as uow:
        await handlers.update_policy(
            {"uplift_percent": Decimal(5), "max_standard_payment_terms_days": 14}, uow
        )
    after = await service.draft(payment_terms_days=30)
    old, new = await service.contract(before), await service.contract(after)
    assert (old.terms.uplift_percent, old.row["approval_status"]) == (Decimal(3), "not_required")
    assert (new.terms.uplift_percent, new.row["approval_status"]) == (Decimal(5), "pending")
    async with service.unit_of_work() as uow:
        assert (
            await uow.session.execute(
                sa.select(contracts.c.approval_status).where(contracts.c.id == after)
            )
        ).scalar_one() == "pending"


async def test_rejected_terms_block_signature_until_revised_to_standard(service: Service) -> None:
    contract_id = await service.draft(payment_terms_days=60)
    async with service.unit_of_work() as uow:
        status = await handlers.decide_approval(
            contract_id, 1, False, FIN, "net 60 is too long", uow
        )
    assert status.value == "rejected"
    with pytest.raises(Conflict, match="rejected; revise the terms"):
        await service.sign(contract_id)
    async with service.unit_of_work() as uow:
        await handlers.revise_terms(contract_id, {"payment_terms_days": 30}, uow)
    assert (await service.contract(contract_id)).row["approval_status"] == "not_required"
    await service.sign(contract_id)
    async with service.unit_of_work() as uow:
        trail = await handlers.list_approvals(contract_id, uow)
    assert [(a.role, a.status, a.comment) for a in trail] == [
        ("finance", "rejected", "net 60 is too long")
    ]


async def test_the_company_countersigns_by_e_signature_after_the_customer(
    service: Service,
) -> None:
    contract_id = await service.draft()
    async with service.unit_of_work() as uow:
        await handlers.revise_terms(contract_id, {"automatic_countersignature": False}, uow)
    document = (await service.contract(contract_id)).document_hash

    def evidence(envelope: str, party: str) -> handlers.SignatureEvidence:
        return handlers.SignatureEvidence(
            envelope_id=envelope,
            party=party,  # type: ignore[arg-type]
            signer="Grace Hopper <grace@l2c.example>",
            signed_at=service.clock.now(),
            ip_address="198.51.100.4",
            document_hash=document,
        )

    async with service.unit_of_work() as uow:
        with pytest.raises(Conflict, match="the customer signs first"):
            await handlers.record_esignature(contract_id, evidence("env-c", "company"), uow)
    for envelope, party in (("env-a", "customer"), ("env-b", "company"), ("env-b", "company")):
        async with service.unit_of_work() as uow:
            await handlers.record_esignature(contract_id, evidence(envelope, party), uow)
    signed = await service.contract(contract_id)
    assert signed.row["status"] == "signed"
    assert signed.order_id is not None
    assert await service.emitted("ContractSigned", contract_id) == 1
    async with service.unit_of_work() as uow:
        with pytest.raises(Conflict, match="belongs to another signature"):
            await handlers.record_esignature(contract_id, evidence("env-a", "company"), uow)


async def test_an_amendment_replaces_the_lines_revalues_the_contract_and_is_kept_in_the_history(
    service: Service,
) -> None:
    contract_id = await service.draft()
    await service.sign(contract_id)
    change = [LineChange("PLAT-SEAT", Decimal(30))]
    async with service.unit_of_work() as uow:
        await handlers.amend_contract(contract_id, date(2026, 3, 1), change, "upsell", uow)
    amended = await service.contract(contract_id)
    assert amended.lines[0].net_amount == Money.of("1323.00", "EUR")  # 30 × 49.00 less 10 %
    # The term runs from 2 January; 1 March is the last day of the period from 2 February (28
    # days). 12 × 1102.50 = 13230.00, less what 25 seats were worth from 1 March
    # (1102.50/28 → 39.38, + 10 × 1102.50 = 11064.38), plus what 30 are (1323.00/28 = 47.25,
    # + 10 × 1323.00 = 13277.25).
    assert amended.row["total_contract_value"] == Decimal("15442.87")
    async with service.unit_of_work() as uow:
        (history,) = await handlers.list_amendments(contract_id, uow)
    assert (history["effective_date"], history["reason"]) == (date(2026, 3, 1), "upsell")
    assert history["lines"][0]["net_amount"]["amount"] == "1323.00"
    assert await service.emitted("ContractAmended", contract_id) == 1


async def test_a_quoted_trial_travels_with_the_contract_to_the_order(service: Service) -> None:
    contract_id = await service.draft(trial_days=14, trial_requires_payment_method=True)
    drafted = await service.contract(contract_id)
    assert (drafted.terms.trial_days, drafted.terms.trial_requires_payment_method) == (14, True)
    async with service.unit_of_work() as uow:
        with pytest.raises(RuleViolation, match="a trial must be 0 to 365 days, not 400"):
            await handlers.revise_terms(contract_id, {"trial_days": 400}, uow)
    async with service.unit_of_work() as uow:
        await handlers.revise_terms(contract_id, {"trial_days": 30}, uow)
    revised = await service.contract(contract_id)
    assert revised.document_hash != drafted.document_hash  # the signer signs the trial
    await service.sign(contract_id)
    async with service.unit_of_work() as uow:
        payload = await uow.session.scalar(
            sa.select(outbox.c.payload).where(outbox.c.ce_type == "l2c.contract.OrderPlaced.v1")
        )
    order = OrderPlaced.model_validate_json(payload)
    assert (order.trial_days, order.trial_requires_payment_method) == (30, True)


async def test_a_contract_without_a_trial_keeps_the_fingerprint_it_had_before_trials(
    service: Service,
) -> None:
    record = await service.contract(await service.draft())
    row = record.row
    before_trials = {
        "contract_id": row["id"],
        "customer_name": row["customer_name"],
        "currency": row["currency"],
        "start_date": row["start_date"],
        "end_date": row["end_date"],
        "billing_period": row["billing_period"],
        "terms": {
            "payment_terms_days": 30,
            "billing_timing": "in_advance",
            "auto_renew": True,
            "uplift_percent": Decimal(3),
            "renewal_notice_days": 60,
            "termination_notice_days": 30,
            "automatic_countersignature": True,
        },
        "lines": [line.model_dump(mode="json") for line in record.lines],
        "clauses": [(c.title, c.body) for c in record.clauses],
    }
    assert record.document_hash == document_hash(before_trials)


API_CALLS = UsageRate.model_validate(
    {
        "product_code": "API-CALLS",
        "description": "API calls",
        "metric": "api_calls",
        "unit": "1k calls",
        "pricing_model": "graduated",
        "tiers": [
            {"up_to": "100", "unit_price": {"amount": "0.00", "currency": "EUR"}},
            {
                "up_to": "1000",
                "unit_price": {"amount": "0.50", "currency": "EUR"},
                "flat_fee": {"amount": "5.00", "currency": "EUR"},
            },
            {"up_to": None, "unit_price": {"amount": "0.30", "currency": "EUR"}},
        ],
    }
)


async def test_the_quoted_usage_rates_travel_with_the_contract_to_the_order_and_amendments(
    service: Service,
) -> None:
    contract_id = await service.draft(usage_rates=[API_CALLS])
    drafted = await service.contract(contract_id)
    assert drafted.usage_rates == [API_CALLS]
    without = await service.contract(await service.draft())
    assert without.usage_rates == []
    await service.sign(contract_id)
    async with service.unit_of_work() as uow:
        await handlers.amend_contract(
            contract_id, date(2026, 3, 1), [LineChange("PLAT-SEAT", Decimal(30))], "upsell", uow
        )
        payloads = {
            ce_type: await uow.session.scalar(
                sa.select(outbox.c.payload).where(outbox.c.ce_type == f"l2c.contract.{ce_type}.v1")
            )
            for ce_type in ("OrderPlaced", "ContractAmended")
        }
    assert OrderPlaced.model_validate_json(payloads["OrderPlaced"]).usage_rates == [API_CALLS]
    amended = ContractAmended.model_validate_json(payloads["ContractAmended"])
    assert amended.usage_rates == [
        API_CALLS
    ]  # a change of lines leaves the usage prices as they are


async def test_the_signer_signs_the_usage_rates(service: Service) -> None:
    with_rates = await service.contract(await service.draft(usage_rates=[API_CALLS]))
    row = with_rates.row
    signed = with_rates.document_hash
    async with service.unit_of_work() as uow:
        await update_contract(with_rates.id, uow, usage_rates=[])
    assert (await service.contract(with_rates.id)).document_hash != signed
    assert row["usage_rates"][0]["tiers"][1]["flat_fee"]["amount"] == "5.00"
