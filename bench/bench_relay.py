"""Outbox relay: N committed outbox rows (default 40,000 lead events) published to Kafka by
one `OutboxRelay`, as a service runs it (its idempotent acks=all producer, a publish span
per event, rows marked sent), on its own in this process.

Lead intake emits four events per lead, so its relay must publish 8,000 events/s for 2,000
leads/s; this shows what one relay can do when nothing else runs. The rows go to their own
topic (`l2c.bench.relay.v1`), so no service reads them.

    uv run python bench/bench_relay.py [--events 40000] [--smoke]

Prints `BENCH relay.events_per_second <n> events/s` and `BENCH relay.cpu_per_event <us> us`
(this process's CPU time per event, the relay's share of it).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from uuid import uuid4

from servicebench import KAFKA, BenchArguments, migrated_database, provision_topics

from l2c_runtime.clock import SystemClock
from l2c_runtime.db import create_engine, session_factory
from l2c_runtime.messaging_tables import outbox
from l2c_runtime.relay import relay_with_publisher
from l2c_runtime.settings import ServiceSettings
from l2c_runtime.telemetry import setup_tracing
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas.lead import LeadCaptured
from lead_svc.app import MIGRATIONS

DB = "l2c_bench_relay"
TOPIC = "l2c.bench.relay.v1"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


async def write_rows(url: str, count: int) -> None:
    engine = create_engine(url, 2)
    uow = unit_of_work_factory(session_factory(engine), SystemClock(), "/l2c/bench")
    try:
        for start in range(0, count, 20_000):
            async with uow() as u:
                events = []
                for _ in range(start, min(count, start + 20_000), 4):
                    lead = uuid4()
                    for _ in range(4):  # a lead's four events share its key
                        event = LeadCaptured(
                            lead_id=lead,
                            company="Analytical Engines Ltd",
                            country="GB",
                            source="demo_request",
                            campaign="q4-launch",
                            captured_at=datetime.now(UTC),
                        )
                        events.append((event, TRACEPARENT))
                rows = [u.outbox_row(event, parent) | {"topic": TOPIC} for event, parent in events]
                await u.copy_rows(outbox, rows[: min(count, start + 20_000) - start])
    finally:
        await engine.dispose()


async def main(count: int) -> None:
    url = await migrated_database(DB, MIGRATIONS)
    await provision_topics([TOPIC])
    await write_rows(url, count)
    setup_tracing("bench-relay")  # spans are recorded as in a service (no exporter)
    engine = create_engine(url, 2)
    settings = ServiceSettings(database_url=url, kafka_bootstrap=KAFKA)
    relay, publisher = relay_with_publisher(engine, settings, SystemClock(), "bench-relay")
    await publisher.start()
    try:
        began, cpu = time.perf_counter(), time.process_time()
        published = 0
        while (batch := await relay.publish_pending()) > 0:
            published += batch
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    finally:
        await publisher.stop()
        await engine.dispose()
    if published != count:
        raise SystemExit(f"published {published} of {count} rows")
    print(f"# {published} events published in {seconds:.2f}s")
    print(f"BENCH relay.events_per_second {published / seconds:.0f} events/s")
    print(f"BENCH relay.cpu_per_event {cpu / published * 1e6:.0f} us")


def arguments() -> BenchArguments:
    command = BenchArguments(__doc__)
    command.size("--events", 40_000, 400, "outbox rows (four per lead)")
    return command


if __name__ == "__main__":
    asyncio.run(main(arguments().parse().events))
