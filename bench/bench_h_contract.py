"""contract-svc: latency of drafting (QuoteAccepted → contract with clauses and terms) and of
signing (signatures, ContractSigned, OrderPlaced), and throughput of the renewal-notice job.

Runs the service's own handlers and job passes in-process on a dedicated database
(l2c_bench_h_contract, dropped and recreated) on the local PostgreSQL; no Kafka needed (the
events stay in the outbox). Two concurrent drains play two replicas of the renewal job.

    uv run python bench/bench_h_contract.py [--contracts 400] [--smoke]
"""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
from servicebench import PG, BenchArguments, migrated_database

from contract_svc import handlers
from contract_svc.app import MIGRATIONS
from l2c_platform.journey import demo_quote_accepted
from l2c_platform.testing import FixedClock
from l2c_runtime.db import create_engine, session_factory
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas import QuoteAccepted

DB = "l2c_bench_h_contract"


def accepted(clock: FixedClock) -> QuoteAccepted:
    return demo_quote_accepted(clock.now())


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(count: int) -> None:
    url = await migrated_database(DB, MIGRATIONS)
    engine = create_engine(url, 4)
    clock = FixedClock()
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


def arguments() -> BenchArguments:
    command = BenchArguments(__doc__)
    command.size("--contracts", 400, 20)
    return command


if __name__ == "__main__":
    asyncio.run(main(arguments().parse().contracts))
