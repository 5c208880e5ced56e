"""Lead intake: N LeadSubmitted records (default 10,000) through l2c.lead.intake.v1 to
LeadQualified published on l2c.lead.events.v1, end to end through a real lead-svc process.

The run starts lead-svc as its own OS process on a fresh database (l2c_bench_h_lead), with its
own consumer group positioned at the end of the topics it reads (earlier records are not its
work), produces N demo-like leads (each qualifies: score 80) keyed `bench-<run>-<i>`, and
times from the first produce until this lead-svc has published the N-th LeadQualified (its
outbox row is marked sent once the broker acknowledged it); then checks that all N event ids
are on l2c.lead.events.v1. Beside it, the raw aiokafka consume rate of the very same intake
records (no group, no processing but JSON parsing) is the floor of what consuming costs.

Other lead-svc deployments on the broker (a running test platform) read the same intake topic
in their own groups and capture these leads too; on a busy machine they also take CPU.

    uv run python bench/bench_lead_intake.py [--leads 10000] [--replicas 2] [--inline-relay]
                                             [--smoke]

lead-svc runs as docker-compose.yml deploys it: two replicas (lead-svc, lead-svc-2) in one
consumer group with L2C_RELAY_INLINE=false and one `l2c-relay lead_svc` process publishing
their outbox (`--replicas 1`: one replica; `--inline-relay`: each replica publishes its own,
the default of other services). The load is produced as record batches, as the relay
publishes, so that the load generator takes little of the two cores.

Prints `BENCH lead_intake.throughput <n> leads/s`, `BENCH lead_intake.service_cpu_per_lead
<ms> ms` (CPU time per lead of the lead-svc and relay processes) and
`BENCH lead_intake.baseline <n> msgs/s`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid

import asyncpg
from aiokafka import TopicPartition
from aiokafka.structs import ConsumerRecord
from servicebench import (
    PG,
    BenchArguments,
    ServiceUnderTest,
    batch_producer,
    end_offsets,
    kafka_consumer,
    position_group_at_end,
    raw_consume_rate,
    recreate_database,
    wait_for_rows,
)

from l2c_runtime.relay import BatchPublisher, OutgoingRecord
from l2c_schemas import LeadQualified, LeadSubmitted
from l2c_schemas.envelope import encode
from l2c_schemas.topics import LEAD_EVENTS, LEAD_INTAKE
from lead_svc.app import definition as lead_svc

DB = "l2c_bench_h_lead"
PORT = 18190
TIMEOUT_SECONDS = 600
PRODUCE_CHUNK = 500


def submissions(run: str, count: int) -> list[OutgoingRecord]:
    records = []
    for i in range(count):
        lead = LeadSubmitted(
            email=f"lead{i}@bench-{run}.example",
            full_name="Ada Lovelace",
            company=f"Bench {run} {i} Ltd",
            country="GB",
            employees=450,
            title="VP Finance",
            source="demo_request",
            external_id=f"bench-{run}-{i}",
        )
        record = encode(lead, source="/bench/web-forms")
        records.append(OutgoingRecord(LEAD_INTAKE, record.key, record.value, record.headers))
    return records


async def qualified_published(count: int) -> float:
    """When (epoch seconds) this run's lead-svc published the count-th LeadQualified: its
    outbox row is marked sent only once the broker acknowledged it. (Counting on the topic
    alone would also count other lead-svc deployments on this broker, e.g. a test platform,
    which read the same intake topic in their own groups.)"""
    conn = await asyncpg.connect(f"{PG}/{DB}")
    try:
        published = (
            "SELECT count(*) FROM outbox WHERE ce_type = "
            f"'{LeadQualified.ce_type}' AND published_at IS NOT NULL"
        )
        await wait_for_rows(conn, "leads", count, published, TIMEOUT_SECONDS)
        finished: float = await conn.fetchval(
            "SELECT extract(epoch FROM max(published_at)) FROM outbox WHERE ce_type = $1",
            LeadQualified.ce_type,
        )
        return float(finished)
    finally:
        await conn.close()


async def relay_listening(seconds: float = 60) -> None:
    """Wait until the relay process listens for commits (it has no HTTP readiness)."""
    conn = await asyncpg.connect(f"{PG}/{DB}")
    try:
        deadline = time.monotonic() + seconds
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'"
        while not await conn.fetchval(query, DB):
            if time.monotonic() > deadline:
                raise TimeoutError("the l2c-relay process did not start listening")
            await asyncio.sleep(0.2)
    finally:
        await conn.close()


async def seen_on_topic(since: dict[TopicPartition, int]) -> int:
    """How many of this run's LeadQualified (by event id) are on the events topic."""
    conn = await asyncpg.connect(f"{PG}/{DB}")
    try:
        ids = {
            str(row["event_id"]).encode()
            for row in await conn.fetch(
                "SELECT event_id FROM outbox WHERE ce_type = $1", LeadQualified.ce_type
            )
        }
    finally:
        await conn.close()
    consumer = kafka_consumer()
    await consumer.start()
    try:
        consumer.assign(list(since))
        for tp, offset in since.items():
            consumer.seek(tp, offset)
        ends = await consumer.end_offsets(list(since))
        seen: set[bytes] = set()
        pending = {tp for tp, end in ends.items() if end > since[tp]}
        while pending:
            for records in (await consumer.getmany(timeout_ms=1000, max_records=5000)).values():
                seen.update(v for r in records for k, v in r.headers if k == "ce_id")
            pending = {tp for tp in pending if await consumer.position(tp) < ends[tp]}
        return len(seen & ids)
    finally:
        await consumer.stop()


async def main(count: int, replica_count: int, relay_process: bool) -> None:
    run = uuid.uuid4().hex[:10]
    group = f"lead-svc-h-lead-bench-{run}"
    await recreate_database(DB)
    start = await position_group_at_end(group, lead_svc)
    start = {tp: offset for tp, offset in start.items() if tp.topic == LEAD_INTAKE}
    inline = "false" if relay_process else "true"
    replicas = [
        ServiceUnderTest("lead_svc", DB, PORT + n, group, L2C_RELAY_INLINE=inline)
        for n in range(replica_count)
    ]
    try:
        for replica in replicas:
            await replica.wait_ready()
        if relay_process:  # once the replicas migrated the database
            replicas.append(ServiceUnderTest("lead_svc", DB, PORT + 99, group, "l2c-relay"))
            await relay_listening()
        records = submissions(run, count)
        events_start = await end_offsets([LEAD_EVENTS])
        # Produced as record batches (as the relay publishes): sent one by one, the records
        # cost this process more CPU than the service spends consuming them, on its cores.
        producer = batch_producer("bench-lead-intake")
        await producer.start()
        try:
            publish = BatchPublisher(producer)
            cpu_before = sum(r.cpu_seconds() for r in replicas)
            began = time.time()  # the service's clock: published_at is its wall clock
            watcher = asyncio.create_task(qualified_published(count))
            for at in range(0, count, PRODUCE_CHUNK):
                await publish(records[at : at + PRODUCE_CHUNK])
            produced = time.time()
        finally:
            await producer.stop()
        finished = await watcher
        cpu = sum(r.cpu_seconds() for r in replicas) - cpu_before
        seconds = finished - began
        on_topic = await seen_on_topic(events_start)
        print(f"# produced {count} in {produced - began:.2f}s; all qualified in {seconds:.2f}s")
        print(f"# LeadQualified of this run found on {LEAD_EVENTS}: {on_topic}")
        print(f"BENCH lead_intake.throughput {count / seconds:.0f} leads/s")
        print(f"BENCH lead_intake.service_cpu_per_lead {cpu / count * 1000:.2f} ms")
        prefix = f"bench-{run}-".encode()

        def ours(record: ConsumerRecord) -> bool:
            json.loads(record.value or b"{}")  # as much parsing as a consumer does
            return bool(record.key and record.key.startswith(prefix))

        baseline = await raw_consume_rate(start, count, ours)
        print(f"BENCH lead_intake.baseline {baseline:.0f} msgs/s")
    finally:
        for replica in replicas:
            replica.stop()


def arguments() -> BenchArguments:
    command = BenchArguments(__doc__)
    command.size("--leads", 10_000, 200)
    command.size("--replicas", 2, 2, "lead-svc processes, one group (as deployed: 2)")
    command.parser.add_argument(
        "--inline-relay",
        action="store_true",
        help="each replica publishes its outbox itself, instead of an l2c-relay process "
        "beside them (as docker-compose.yml deploys lead-svc)",
    )
    return command


if __name__ == "__main__":
    parsed = arguments().parse()
    asyncio.run(main(parsed.leads, parsed.replicas, not parsed.inline_relay))
    sys.exit(0)
