"""insights-svc: catch up on a backlog of journeys (every event through the runtime's inbox
into journey facts), then answer metrics over all of them.

The run prepares a fresh database (l2c_bench_insights) and a consumer group positioned at the
end of the events topics, publishes N journeys of 7 events each (captured, qualified,
opportunity opened, contract signed, deal won, invoice issued, invoice paid, spread over the
six events topics, each journey a few days long), then starts insights-svc as its own process
on its own port, loopback only, and measures:
- `ingest_events_per_second`: the events stored, divided by the time from the service's
  first fact to its last (start-up left out);
- the latency of `GET /metrics/lead_to_cash` and `GET /metrics/funnel` over all N journeys
  (20 requests each, after one to warm up): p50 and max.

    uv run python bench/bench_insights.py [--journeys 5000] [--smoke]

Prints `BENCH insights.ingest_events_per_second <n> events/s`,
`BENCH insights.metric_lead_to_cash_p50 <ms> ms`, `BENCH insights.metric_funnel_p50 <ms> ms`
(and their max).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import asyncpg
from servicebench import (
    PG,
    BenchArguments,
    ServiceUnderTest,
    batch_producer,
    drop_database,
    migrated_database,
    position_group_at_end,
    wait_for_rows,
)

from insights_svc.app import MIGRATIONS
from insights_svc.app import definition as insights_svc
from l2c_platform.tokens import operator_client
from l2c_schemas.ar import InvoicePaid
from l2c_schemas.base import JourneyEvent
from l2c_schemas.billing import InvoiceIssued
from l2c_schemas.contract import ContractSigned
from l2c_schemas.deal import DealClosed, OpportunityOpened
from l2c_schemas.envelope import encode
from l2c_schemas.lead import LeadCaptured, LeadQualified
from l2c_schemas.money import Money

DATABASE = "l2c_bench_insights"
GROUP = "insights-svc-bench"
PORT = 18417
EVENTS_PER_JOURNEY = 7
REQUESTS = 20


def journey(n: int, start: datetime) -> list[JourneyEvent]:
    lead, account, opp = uuid4(), uuid4(), uuid4()
    quote, contract, invoice = uuid4(), uuid4(), uuid4()
    t = start + timedelta(minutes=n)
    eur = Money.of(f"{1000 + n % 97}.50", "EUR")
    ids = {"lead_id": lead}
    return [
        LeadCaptured(**ids, company=f"Bench {n}", source=f"src-{n % 5}", captured_at=t),
        LeadQualified(
            **ids,
            company=f"Bench {n}",
            contact_name="Bench Contact",
            contact_email=f"bench{n}@bench.example",
            source=f"src-{n % 5}",
            score=80,
            qualified_at=t + timedelta(hours=1),
        ),
        OpportunityOpened(
            **ids,
            account_id=account,
            opportunity_id=opp,
            account_name=f"Bench {n}",
            name="new business",
            stage="qualification",
            opened_at=t + timedelta(hours=2),
            owner=f"rep-{n % 7}",
        ),
        ContractSigned(
            **ids,
            account_id=account,
            contract_id=contract,
            quote_id=quote,
            opportunity_id=opp,
            signed_by="Bench Signer",
            total_contract_value=eur,
            signed_at=t + timedelta(days=3),
        ),
        DealClosed(
            **ids,
            account_id=account,
            opportunity_id=opp,
            outcome="won",
            reason="signed",
            amount=eur,
            closed_at=t + timedelta(days=3, minutes=1),
        ),
        InvoiceIssued(
            **ids,
            account_id=account,
            invoice_id=invoice,
            invoice_number=f"INV-{n}",
            subscription_id=uuid4(),
            customer_name=f"Bench {n}",
            currency="EUR",
            issue_date=(t + timedelta(days=3)).date(),
            due_date=(t + timedelta(days=33)).date(),
            period_start=(t + timedelta(days=3)).date(),
            period_end=(t + timedelta(days=33)).date(),
            lines=[],
            subtotal=eur,
            tax_total=Money.of("0", "EUR"),
            total=eur,
            issued_at=t + timedelta(days=3, hours=1),
        ),
        InvoicePaid(
            **ids,
            account_id=account,
            invoice_id=invoice,
            invoice_number=f"INV-{n}",
            amount=eur,
            paid_at=t + timedelta(days=20 + n % 11),
        ),
    ]


async def publish(journeys: int) -> int:
    producer = batch_producer("bench-insights")
    await producer.start()
    start = datetime.now(UTC) - timedelta(days=60)
    sent = 0
    try:
        pending = []
        for n in range(journeys):
            for message in journey(n, start):
                record = encode(message, source="/bench/insights")
                pending.append(
                    await producer.send(
                        record.topic, record.value, key=record.key, headers=record.headers
                    )
                )
                sent += 1
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return sent


def p50(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[(len(ordered) + 1) // 2 - 1]


async def query_latencies(path: str) -> list[float]:
    url = f"http://127.0.0.1:{PORT}{path}"
    async with operator_client(timeout=60.0) as client:
        (await client.get(url)).raise_for_status()
        timings = []
        for _ in range(REQUESTS):
            began = time.perf_counter()
            (await client.get(url)).raise_for_status()
            timings.append((time.perf_counter() - began) * 1000)
    return timings


async def run(journeys: int) -> None:
    await migrated_database(DATABASE, MIGRATIONS)
    await position_group_at_end(GROUP, insights_svc)
    events = await publish(journeys)
    service = ServiceUnderTest("insights_svc", DATABASE, PORT, GROUP)
    try:
        await service.wait_ready()
        conn = await asyncpg.connect(f"{PG}/{DATABASE}")
        try:
            await wait_for_rows(conn, "journey_facts", events, "SELECT count(*) FROM journey_facts")
            first, last = await conn.fetchrow(
                "SELECT min(processed_at), max(processed_at) FROM inbox"
            )
        finally:
            await conn.close()
        seconds = max((last - first).total_seconds(), 1e-3)
        print(f"BENCH insights.ingest_events_per_second {events / seconds:.0f} events/s")
        for name in ("lead_to_cash", "funnel"):
            timings = await query_latencies(f"/metrics/{name}")
            print(f"BENCH insights.metric_{name}_p50 {p50(timings):.1f} ms")
            print(f"BENCH insights.metric_{name}_max {max(timings):.1f} ms")
        print(f"({journeys} journeys, {events} events)")
    finally:
        service.stop()
        await drop_database(DATABASE)


def arguments() -> BenchArguments:
    command = BenchArguments(__doc__)
    command.size("--journeys", 5000, 30, "journeys to publish")
    return command


def main() -> None:
    asyncio.run(run(arguments().parse().journeys))


if __name__ == "__main__":
    main()
