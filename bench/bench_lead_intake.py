"""Lead intake: N LeadSubmitted records (default 10,000) through l2c.lead.intake.v1 to
LeadQualified published on l2c.lead.events.v1, end to end through a real lead-svc process.

The run starts lead-svc as its own OS process on a fresh database (l2c_bench_h_lead), with its
own consumer group positioned at the end of the intake topic (earlier records are not its
work), produces N demo-like leads (each qualifies: score 80) whose company names carry a run
marker, and times from the first produce to the N-th LeadQualified of this run seen on the
events topic. Beside it, the raw aiokafka consume rate of the very same intake records (no
group, no processing) is the floor of what consuming alone costs.

    uv run python bench/bench_lead_intake.py [--leads 10000]

Prints `BENCH lead_intake.throughput <n> leads/s` and `BENCH lead_intake.baseline <n> msgs/s`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from l2c_schemas import LeadQualified, LeadSubmitted
from l2c_schemas.envelope import encode
from l2c_schemas.topics import LEAD_ACTIVITY, LEAD_EVENTS, LEAD_INTAKE

PG = os.environ.get("L2C_PG_URL", "postgresql://l2c:l2c@127.0.0.1:5432")
KAFKA = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
DB = "l2c_bench_h_lead"
PORT = 18190
TIMEOUT_SECONDS = 600
ROOT = Path(__file__).resolve().parent.parent


async def recreate_database() -> None:
    admin = await asyncpg.connect(f"{PG}/postgres")
    await admin.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    await admin.execute(f"CREATE DATABASE {DB}")
    await admin.close()


async def partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    found = consumer.partitions_for_topic(topic)
    if not found:
        await consumer._client.force_metadata_update()  # aiokafka: no public call
        found = consumer.partitions_for_topic(topic) or set()
    return [TopicPartition(topic, p) for p in sorted(found)]


async def position_group_at_end(group: str) -> dict[TopicPartition, int]:
    """Commit the group's offsets at the end of the topics lead-svc consumes: it starts with
    this run's records. Returns the intake offsets (where this run's records begin)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=KAFKA, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = await partitions(consumer, LEAD_INTAKE) + await partitions(consumer, LEAD_ACTIVITY)
        ends: dict[TopicPartition, int] = await consumer.end_offsets(tps)
        consumer.assign(tps)
        await consumer.commit(ends)
        return {tp: offset for tp, offset in ends.items() if tp.topic == LEAD_INTAKE}
    finally:
        await consumer.stop()


def start_lead_svc(group: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG.replace('postgresql://', 'postgresql+asyncpg://')}/{DB}",
        "HTTP_PORT": str(PORT),
        "L2C_CONSUMER_GROUP": group,
        "L2C_LOG_LEVEL": "WARNING",
        "L2C_CLOCK": "system",
    }
    return subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "l2c-serve"), "lead_svc"],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def wait_ready(process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("lead-svc exited during start-up")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"http://127.0.0.1:{PORT}/health/ready")).status_code == 200:
                    return
            await asyncio.sleep(0.5)
    raise RuntimeError("lead-svc did not get ready")


def submissions(run: str, count: int) -> list[tuple[bytes, bytes, list[tuple[str, bytes]]]]:
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
        assert record.key is not None
        records.append((record.key, record.value, record.headers))
    return records


async def count_qualified(run: str, count: int, ready: asyncio.Event) -> float:
    """Watch the events topic from its current end; the time the count-th LeadQualified of
    this run arrives."""
    consumer = AIOKafkaConsumer(bootstrap_servers=KAFKA, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = await partitions(consumer, LEAD_EVENTS)
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)
        ready.set()
        marker = f"Bench {run} ".encode()
        seen = 0
        deadline = time.monotonic() + TIMEOUT_SECONDS
        qualified = LeadQualified.ce_type.encode()
        while seen < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {seen} of {count} LeadQualified within the time limit")
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            for records in batch.values():
                for r in records:
                    if (r.value and marker in r.value) and ("ce_type", qualified) in r.headers:
                        seen += 1
        return time.perf_counter()
    finally:
        await consumer.stop()


async def raw_consume_rate(start: dict[TopicPartition, int], run: str, count: int) -> float:
    """Messages per second of a bare aiokafka consumer reading this run's intake records."""
    consumer = AIOKafkaConsumer(bootstrap_servers=KAFKA, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(start))
        for tp, offset in start.items():
            consumer.seek(tp, offset)
        prefix = f"bench-{run}-".encode()
        seen = 0
        began = time.perf_counter()
        while seen < count:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            if not batch and time.perf_counter() - began > 60:
                raise TimeoutError("intake records not found again")
            for records in batch.values():
                for r in records:
                    if r.key and r.key.startswith(prefix):
                        json.loads(r.value or b"{}")  # as much parsing as a consumer does
                        seen += 1
        return count / (time.perf_counter() - began)
    finally:
        await consumer.stop()


async def main(count: int) -> None:
    run = uuid.uuid4().hex[:10]
    group = f"lead-svc-h-lead-bench-{run}"
    await recreate_database()
    start = await position_group_at_end(group)
    log = Path(f"/tmp/bench-lead-intake-{run}.log")
    process = start_lead_svc(group, log)
    try:
        await wait_ready(process)
        records = submissions(run, count)
        ready = asyncio.Event()
        watcher = asyncio.create_task(count_qualified(run, count, ready))
        await ready.wait()
        producer = AIOKafkaProducer(bootstrap_servers=KAFKA, acks="all", linger_ms=5)
        await producer.start()
        try:
            began = time.perf_counter()
            sends = [
                await producer.send(LEAD_INTAKE, value, key=key, headers=headers)
                for key, value, headers in records
            ]
            await asyncio.gather(*sends)
            produced = time.perf_counter()
        finally:
            await producer.stop()
        finished = await watcher
        seconds = finished - began
        print(f"# produced {count} in {produced - began:.2f}s; all qualified in {seconds:.2f}s")
        print(f"BENCH lead_intake.throughput {count / seconds:.0f} leads/s")
        baseline = await raw_consume_rate(start, run, count)
        print(f"BENCH lead_intake.baseline {baseline:.0f} msgs/s")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--leads", type=int, default=10_000)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.leads))
    sys.exit(0)
