"""Price a 50-line quote (per-unit, volume, graduated, package and flat prices; volume, term,
line and quote discounts) through cpq-svc's HTTP API and report the latency percentiles.

    uv run python bench/bench_quote_pricing.py [--requests 300] [--smoke]

Starts cpq-svc as its own process on its own database and consumer group (nothing shared with
a running platform), loopback only, and stops it at the end. Prints
`BENCH quote_pricing.p50 <ms> ms` and `BENCH quote_pricing.p99 <ms> ms` (target p99 < 50 ms).
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import Callable

import asyncpg
from servicebench import (
    PG,
    BenchArguments,
    ServiceUnderTest,
    drop_database,
    position_group_at_end,
    recreate_database,
)

from cpq_svc.app import definition as cpq_svc
from l2c_platform.tokens import operator_client

DATABASE = "l2c_bench_quote_pricing"
PORT = 18413
OPPORTUNITIES = 10
Rule = Callable[[int], int]
PRODUCTS: list[tuple[str, Rule, Rule]] = [
    # product, quantity of line n, line discount of line n (all within the 15 % policy)
    ("PLAT-SEAT", lambda n: n + 5, lambda n: n % 10),  # per unit + volume schedule
    ("STORAGE-TB", lambda n: 3 * n + 1, lambda n: 5),  # volume tiers
    ("AUTOMATION-RUNS", lambda n: 400 * n + 1, lambda n: 0),  # graduated tiers
    ("SEAT-PACK-10", lambda n: n + 3, lambda n: 2),  # packages
    ("PLAT-SEAT-Y", lambda n: n + 1, lambda n: 12),  # annual plan
    ("ANALYTICS", lambda n: 1, lambda n: 0),
    ("TRAINING-DAY", lambda n: n % 4 + 1, lambda n: 0),
    ("SSO", lambda n: 1, lambda n: 0),  # flat
]


def fifty_lines() -> list[dict[str, str]]:
    return [
        {
            "product_code": PRODUCTS[n % len(PRODUCTS)][0],
            "quantity": str(PRODUCTS[n % len(PRODUCTS)][1](n)),
            "discount_percent": str(PRODUCTS[n % len(PRODUCTS)][2](n)),
        }
        for n in range(50)
    ]


async def add_opportunities() -> list[str]:
    # Setup only: the opportunities cpq-svc would learn from OpportunityOpened events.
    ids = [str(uuid.uuid4()) for _ in range(OPPORTUNITIES)]
    conn = await asyncpg.connect(f"{PG}/{DATABASE}")
    try:
        await conn.executemany(
            "INSERT INTO opportunities (id, lead_id, account_id, account_name) "
            "VALUES ($1, $2, $3, 'Bench Ltd')",
            [(uuid.UUID(i), uuid.uuid4(), uuid.uuid4()) for i in ids],
        )
    finally:
        await conn.close()
    return ids


def percentile(sorted_ms: list[float], fraction: float) -> float:
    index = min(len(sorted_ms) - 1, max(0, round(fraction * len(sorted_ms)) - 1))
    return sorted_ms[index]


async def run(requests: int) -> None:
    await recreate_database(DATABASE)
    # Its own group, at the end of the topics cpq-svc reads: the figures time quoting, not
    # catching up with what tests or a platform left on the broker.
    group = "cpq-svc-bench-quote-pricing"
    await position_group_at_end(group, cpq_svc)
    service = ServiceUnderTest("cpq_svc", DATABASE, PORT, group)
    try:
        await service.wait_ready()
        async with operator_client(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
            opportunities = await add_opportunities()
            lines = fifty_lines()

            async def price_one(n: int) -> float:
                body = {
                    "opportunity_id": opportunities[n % len(opportunities)],
                    "currency": "EUR",
                    "billing_period": "year",
                    "term_months": 36,
                    "quote_discount_percent": "3",
                    "lines": lines,
                }
                started = time.perf_counter()
                response = await client.post("/quotes", json=body)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 201 or len(response.json()["lines"]) != 50:
                    raise RuntimeError(f"pricing failed: {response.status_code} {response.text}")
                return elapsed

            for n in range(20):  # warm-up: connections, caches, statement preparation
                await price_one(n)
            cpu_before = service.cpu_seconds()
            timings = sorted([await price_one(n) for n in range(requests)])
            cpu_per_quote = (service.cpu_seconds() - cpu_before) * 1000 / requests
            metrics = (await client.get("/metrics/quotes")).json()
    finally:
        service.stop()
        await drop_database(DATABASE)
    print(f"BENCH quote_pricing.p50 {percentile(timings, 0.50):.1f} ms")
    print(f"BENCH quote_pricing.p99 {percentile(timings, 0.99):.1f} ms")
    print(f"BENCH quote_pricing.max {timings[-1]:.1f} ms")
    print(f"BENCH quote_pricing.generation_avg {metrics['generation_ms_avg']} ms")
    print(f"BENCH quote_pricing.service_cpu_per_quote {cpu_per_quote:.1f} ms")
    print(f"BENCH quote_pricing.load_average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def arguments() -> BenchArguments:
    command = BenchArguments(__doc__)
    command.size("--requests", 300, 20, "quotes priced (after 20 for warm-up)")
    return command


def main() -> None:
    asyncio.run(run(arguments().parse().requests))


if __name__ == "__main__":
    main()
