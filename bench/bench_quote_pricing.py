"""Price a 50-line quote (per-unit, volume, graduated, package and flat prices; volume, term,
line and quote discounts) through cpq-svc's HTTP API and report the latency percentiles.

    uv run python bench/bench_quote_pricing.py [--requests 300]

Starts cpq-svc as its own process on its own database and consumer group (nothing shared with
a running platform), loopback only, and stops it at the end. Prints
`BENCH quote_pricing.p50 <ms> ms` and `BENCH quote_pricing.p99 <ms> ms` (target p99 < 50 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx

PG_URL = os.environ.get("L2C_PG_URL", "postgresql://l2c:l2c@127.0.0.1:5432")
KAFKA = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
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


async def recreate_database() -> None:
    admin = await asyncpg.connect(f"{PG_URL}/postgres")
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await admin.close()


async def drop_database() -> None:
    admin = await asyncpg.connect(f"{PG_URL}/postgres")
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    finally:
        await admin.close()


def start_service(log: Path) -> subprocess.Popen[bytes]:
    host_port = PG_URL.split("://", 1)[1]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql+asyncpg://{host_port}/{DATABASE}",
        "HTTP_PORT": str(PORT),
        "KAFKA_BOOTSTRAP": KAFKA,
        "L2C_CONSUMER_GROUP": "cpq-svc-bench-quote-pricing",
        "L2C_CLOCK": "system",
        "L2C_LOG_LEVEL": "WARNING",
    }
    serve = Path(sys.executable).parent / "l2c-serve"
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(serve), "cpq_svc"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


async def wait_ready(client: httpx.AsyncClient, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("cpq-svc exited during start")
        try:
            if (await client.get("/health/ready")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.3)
    raise TimeoutError("cpq-svc did not become ready in 60 s")


async def settle() -> None:
    """Wait until cpq-svc has caught up with the deal topic (its consumer group may start far
    behind on a machine where tests have run), so the figures time quoting, not catching up."""
    conn = await asyncpg.connect(f"{PG_URL}/{DATABASE}")
    try:
        deadline, last, still = time.monotonic() + 120, -1, 0
        while time.monotonic() < deadline and still < 4:
            count = await conn.fetchval("SELECT count(*) FROM inbox")
            still = still + 1 if count == last else 0
            last = count
            await asyncio.sleep(0.5)
    finally:
        await conn.close()


async def add_opportunities() -> list[str]:
    # Setup only: the opportunities cpq-svc would learn from OpportunityOpened events.
    ids = [str(uuid.uuid4()) for _ in range(OPPORTUNITIES)]
    conn = await asyncpg.connect(f"{PG_URL}/{DATABASE}")
    try:
        await conn.executemany(
            "INSERT INTO opportunities (id, lead_id, account_id, account_name) "
            "VALUES ($1, $2, $3, 'Bench Ltd')",
            [(uuid.UUID(i), uuid.uuid4(), uuid.uuid4()) for i in ids],
        )
    finally:
        await conn.close()
    return ids


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used (Linux /proc), to tell the service's own
    cost apart from waiting on a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(sorted_ms: list[float], fraction: float) -> float:
    index = min(len(sorted_ms) - 1, max(0, round(fraction * len(sorted_ms)) - 1))
    return sorted_ms[index]


async def run(requests: int, log: Path) -> None:
    await recreate_database()
    process = start_service(log)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as client:
            await wait_ready(client, process)
            await settle()
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
            cpu_before = cpu_seconds(process.pid)
            timings = sorted([await price_one(n) for n in range(requests)])
            cpu_per_quote = (cpu_seconds(process.pid) - cpu_before) * 1000 / requests
            metrics = (await client.get("/metrics/quotes")).json()
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        await drop_database()
    print(f"BENCH quote_pricing.p50 {percentile(timings, 0.50):.1f} ms")
    print(f"BENCH quote_pricing.p99 {percentile(timings, 0.99):.1f} ms")
    print(f"BENCH quote_pricing.max {timings[-1]:.1f} ms")
    print(f"BENCH quote_pricing.generation_avg {metrics['generation_ms_avg']} ms")
    print(f"BENCH quote_pricing.service_cpu_per_quote {cpu_per_quote:.1f} ms")
    print(f"BENCH quote_pricing.load_average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--log", type=Path, default=Path("/tmp/bench_quote_pricing.log"))
    args = parser.parse_args()
    asyncio.run(run(args.requests, args.log))


if __name__ == "__main__":
    main()
