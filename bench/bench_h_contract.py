"""contract-svc: latency of drafting (QuoteAccepted → contract with clauses and terms) and of
signing (signatures, ContractSigned, OrderPlaced), and throughput of the renewal-notice job.

Runs the service's own handlers and job passes in-process on a dedicated database
(l2c_bench_h_contract, dropped and recreated) on the local PostgreSQL; no Kafka needed (the
events stay in the outbox). Two concurrent drains play two replicas of the renewal job.

    uv run python bench/bench_h_contract.py [--contracts 400]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from contract_svc import handlers
from contract_svc.app import MIGRATIONS
from l2c_runtime.db import create_engine, session_factory
from l2c_runtime.migrations import upgrade_to_head
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas import Money, PricedLine, QuoteAccepted, QuoteTotals

PG = os.environ.get("L2C_PG_URL", "postgresql://l2c:l2c@127.0.0.1:5432")
DB = "l2c_bench_h_contract"


class Clock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 1, 1, 12, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment


def _eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


LINES = [
    PricedLine(
        line_no=1,
        product_code="PLAT-SEAT",
        description="Platform seat",
        charge="recurring",
        billing_period="month",
        quantity=Decimal(25),
        unit_price=_eur("49.00"),
        list_amount=_eur("1225.00"),
        discount_percent=Decimal(10),
        discount_amount=_eur("122.50"),
        net_amount=_eur("1102.50"),
    ),
    PricedLine(
        line_no=2,
        product_code="ONBOARD",
        description="Onboarding",
        charge="one_time",
        quantity=Decimal(1),
        unit_price=_eur("1500.00"),
        list_amount=_eur("1500.00"),
        discount_percent=Decimal(0),
        discount_amount=_eur("0"),
        net_amount=_eur("1500.00"),
    ),
]


def accepted(clock: Clock) -> QuoteAccepted:
    return QuoteAccepted(
        lead_id=uuid4(),
        account_id=uuid4(),
        quote_id=uuid4(),
        opportunity_id=uuid4(),
        customer_name="Analytical Engines Ltd",
        version=1,
        currency="EUR",
        term_months=12,
        billing_period="month",
        payment_terms_days=30,
        lines=LINES,
        totals=QuoteTotals(
            list_total=_eur("2725.00"), discount_total=_eur("122.50"), net_total=_eur("2602.50")
        ),
        accepted_at=clock.now(),
    )


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(count: int) -> None:
    admin = await asyncpg.connect(f"{PG}/postgres")
    await admin.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    await admin.execute(f"CREATE DATABASE {DB}")
    await admin.close()
    url = f"{PG.replace('postgresql://', 'postgresql+asyncpg://')}/{DB}"
    await asyncio.to_thread(upgrade_to_head, MIGRATIONS, url)
    engine = create_engine(url, 4)
    clock = Clock()
    uow: Any = unit_of_work_factory(session_factory(engine), clock, "/bench")
    try:
        drafts: list[float] = []
        signs: list[float] = []
        ids: list[UUID] = []
        for _ in range(count):
            started = time.perf_counter()
            async with uow() as u:
                contract_id = await handlers.draft_contract(accepted(clock), u)
            drafts.append((time.perf_counter() - started) * 1000)
            assert contract_id is not None
            ids.append(contract_id)
        for contract_id in ids:
            started = time.perf_counter()
            async with uow() as u:
                await handlers.sign_contract(contract_id, "Ada Lovelace <ada@engines.example>", u)
            signs.append((time.perf_counter() - started) * 1000)

        clock.moment = datetime(2026, 11, 2, 12, tzinfo=UTC)  # end 2027-01-01 − 60 days

        async def drain() -> int:
            done = 0
            while True:
                async with uow() as u:
                    if not await handlers.announce_next_renewal(u):
                        return done
                done += 1

        started = time.perf_counter()
        await asyncio.gather(drain(), drain())
        elapsed = time.perf_counter() - started
        conn = await asyncpg.connect(f"{PG}/{DB}")
        announced = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE ce_type = 'l2c.contract.RenewalDue.v1'"
        )
        await conn.close()
        assert announced == count, f"{announced} notices for {count} contracts"
    finally:
        await engine.dispose()
    print(f"BENCH contract_draft_p50 {statistics.median(drafts):.2f} ms")
    print(f"BENCH contract_draft_p99 {percentile(drafts, 0.99):.2f} ms")
    print(f"BENCH contract_sign_p50 {statistics.median(signs):.2f} ms")
    print(f"BENCH contract_sign_p99 {percentile(signs, 0.99):.2f} ms")
    print(f"BENCH renewal_notices_per_second {announced / elapsed:.0f} contracts/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contracts", type=int, default=400)
    asyncio.run(main(parser.parse_args().contracts))
