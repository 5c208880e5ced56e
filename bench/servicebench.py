"""What the service benchmarks share: their command line (every size has a smoke value), a
fresh database, the topics a service provisions, a service started as its own OS process (its
own database, HTTP port and consumer group, nothing shared with a running platform), its CPU
time, its consumer group placed at the end of the topics it reads, and the raw aiokafka
consume rate of the records a run produced.

Every Kafka client of the benchmarks is built here (`kafka_consumer`, `kafka_producer`,
`batch_producer`, `provision_topics`), so connection settings are added in one place.

Not a benchmark itself (`make bench` runs bench/bench_*.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord

from l2c_platform.local_issuer import issuer_url
from l2c_platform.tokens import operator_client
from l2c_runtime.kafka_client import kafka_client_options
from l2c_runtime.migrations import upgrade_to_head
from l2c_runtime.relay import relay_producer
from l2c_runtime.service import ServiceDefinition
from l2c_runtime.settings import ServiceSettings
from l2c_runtime.topics import ensure_topics

PG = os.environ.get("L2C_PG_URL", "postgresql://l2c:l2c@127.0.0.1:5432")
KAFKA = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
ROOT = Path(__file__).resolve().parent.parent


class BenchArguments:
    """A benchmark's command line: its sizes, each with a full and a smoke value, and
    `--smoke` (every size not given explicitly takes its smoke value: a run of seconds that
    shows the benchmark still works, its figures meaningless). `make bench-smoke` runs every
    benchmark so; tests/bench/test_smoke_sizes.py fails for a script without smoke sizes."""

    def __init__(self, doc: str | None) -> None:
        self.parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
        self.parser.add_argument(
            "--smoke", action="store_true", help="tiny sizes: check it runs, judge no figure"
        )
        self.sizes: dict[str, tuple[int, int]] = {}
        """Per size's argparse dest: (full, smoke)."""

    def size(self, flag: str, full: int, smoke: int, help: str = "") -> None:
        sizes = f"(default {full:,}; --smoke: {smoke:,})"
        action = self.parser.add_argument(
            flag, type=int, default=None, help=f"{help} {sizes}" if help else sizes
        )
        self.sizes[action.dest] = (full, smoke)

    def parse(self, argv: Sequence[str] | None = None) -> argparse.Namespace:
        arguments = self.parser.parse_args(argv)
        for dest, (full, smoke) in self.sizes.items():
            if getattr(arguments, dest) is None:
                setattr(arguments, dest, smoke if arguments.smoke else full)
        return arguments


def kafka_consumer(group_id: str | None = None, **options: Any) -> AIOKafkaConsumer:
    """A consumer of the benchmarks' broker; it commits only when told to."""
    return AIOKafkaConsumer(
        bootstrap_servers=KAFKA,
        group_id=group_id,
        enable_auto_commit=False,
        **kafka_client_options(),
        **options,
    )


def kafka_producer(**options: Any) -> AIOKafkaProducer:
    return AIOKafkaProducer(bootstrap_servers=KAFKA, **kafka_client_options(), **options)


def batch_producer(client_id: str) -> AIOKafkaProducer:
    """The runtime's relay producer (record batches, as a service's relay publishes)."""
    return relay_producer(KAFKA, client_id)


async def provision_topics(topics: Iterable[str]) -> None:
    """Create the missing ones as the services do (the runtime's provisioning, with the
    partition count the services started by a benchmark read from the same environment)."""
    await ensure_topics(KAFKA, topics, ServiceSettings().topic_partitions)


async def provision_service_topics(definition: ServiceDefinition) -> None:
    """The topics `definition`'s service provisions at start-up, before it runs: a fresh
    broker has none of them, and a consumer group cannot be placed on a missing topic."""
    await provision_topics(definition.provisioned_topics())


async def recreate_database(name: str) -> None:
    await drop_database(name)
    admin = await asyncpg.connect(f"{PG}/postgres")
    try:
        await admin.execute(f"CREATE DATABASE {name}")
    finally:
        await admin.close()


async def drop_database(name: str) -> None:
    admin = await asyncpg.connect(f"{PG}/postgres")
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await admin.close()


def database_url(name: str) -> str:
    return f"{PG.replace('postgresql://', 'postgresql+asyncpg://')}/{name}"


async def migrated_database(name: str, migrations: Path) -> str:
    """A fresh database `name` at a service's schema (its Alembic head); its SQLAlchemy URL."""
    await recreate_database(name)
    url = database_url(name)
    await asyncio.to_thread(upgrade_to_head, migrations, url)
    return url


async def rows_inserted(conn: asyncpg.Connection, table: str) -> int:
    """Rows inserted into `table` so far as PostgreSQL's statistics count them: cheap to read,
    but a second or so behind the other sessions' commits (they report in intervals)."""
    inserted = await conn.fetchval(
        "SELECT coalesce(sum(n_tup_ins), 0) FROM pg_stat_user_tables WHERE relname = $1", table
    )
    return int(inserted)


async def wait_for_rows(
    conn: asyncpg.Connection, table: str, count: int, exact: str, timeout: float = 600
) -> None:
    """Wait until the query `exact` (a count) reaches `count`. The statistics' insert counter
    of `table` is polled four times a second, and `exact` runs only once that counter says
    enough rows went in: a `count(*)` every few ms scans a growing table, and by the end of
    a run took a third of a core from the service being measured on a 2-core machine."""
    deadline = time.monotonic() + timeout
    while True:
        if await rows_inserted(conn, table) >= count:
            found = int(await conn.fetchval(exact))
            if found >= count:
                return
        if time.monotonic() > deadline:
            found = int(await conn.fetchval(exact))
            raise TimeoutError(f"{found} of {count} rows in {table} in time ({exact})")
        await asyncio.sleep(0.25)


async def partitions(
    consumer: AIOKafkaConsumer, topic: str, seconds: float = 30
) -> list[TopicPartition]:
    """The partitions of `topic`, waiting while the broker's metadata does not show them yet
    (a topic just created)."""
    deadline = time.monotonic() + seconds
    while not (found := consumer.partitions_for_topic(topic)):
        if time.monotonic() > deadline:
            raise RuntimeError(f"topic {topic} has no partitions (is it provisioned?)")
        await consumer._client.force_metadata_update()  # aiokafka: no public call
        if not consumer.partitions_for_topic(topic):
            await asyncio.sleep(0.2)
    return [TopicPartition(topic, p) for p in sorted(found)]


async def end_offsets(topics: list[str]) -> dict[TopicPartition, int]:
    consumer = kafka_consumer()
    await consumer.start()
    try:
        tps = [tp for topic in topics for tp in await partitions(consumer, topic)]
        ends: dict[TopicPartition, int] = await consumer.end_offsets(tps)
        return ends
    finally:
        await consumer.stop()


async def position_group_at_end(
    group: str, definition: ServiceDefinition
) -> dict[TopicPartition, int]:
    """Provision the topics of `definition`'s service, then commit the group's offsets at the
    end of every topic the service reads: the service starts with this run's records, not
    with what tests or a platform left on the broker. Returns those offsets (where this run's
    records begin)."""
    await provision_service_topics(definition)
    ends = await end_offsets(definition.handlers.topics)
    consumer = kafka_consumer(group)
    await consumer.start()
    try:
        consumer.assign(list(ends))
        await consumer.commit(ends)
    finally:
        await consumer.stop()
    return ends


async def group_caught_up(group: str, ends: dict[TopicPartition, int]) -> bool:
    """Whether the group has committed offsets at (or past) `ends` on every partition."""
    consumer = kafka_consumer(group)
    await consumer.start()
    try:
        for tp, end in ends.items():
            if (await consumer.committed(tp) or 0) < end:
                return False
        return True
    finally:
        await consumer.stop()


class ServiceUnderTest:
    """`l2c-serve <package>` on its own database, port and consumer group."""

    def __init__(
        self,
        package: str,
        database: str,
        port: int,
        group: str,
        command: str = "l2c-serve",
        **env_overrides: str,
    ) -> None:
        self.package = package
        self.port = port
        self.log = Path(f"/tmp/bench-{command}-{package}-{group}-{port}.log")
        env = {
            **os.environ,
            "DATABASE_URL": database_url(database),
            "HTTP_PORT": str(port),
            "L2C_CONSUMER_GROUP": group,
            "L2C_LOG_LEVEL": "WARNING",
            "L2C_CLOCK": "system",
            "L2C_OIDC_ISSUER": issuer_url(),
            **env_overrides,
        }
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / command), package],
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    async def wait_ready(self, seconds: float = 120) -> None:
        deadline = time.monotonic() + seconds
        url = f"http://127.0.0.1:{self.port}/health/ready"
        async with operator_client() as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.package} exited during start-up; see {self.log}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(url)).status_code == 200:
                        return
                await asyncio.sleep(0.5)
        raise RuntimeError(f"{self.package} did not get ready; see {self.log}")

    def cpu_seconds(self) -> float:
        """User + system CPU time the service has used so far (Linux /proc)."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


async def raw_consume_rate(
    start: dict[TopicPartition, int], count: int, ours: Callable[[ConsumerRecord], bool]
) -> float:
    """Records per second of a bare aiokafka consumer (no group) reading `count` records of
    this run from `start`, with as much work per record as a consumer must do at least:
    fetching, and telling this run's records from others' (`ours`)."""
    consumer = kafka_consumer()
    await consumer.start()
    try:
        consumer.assign(list(start))
        for tp, offset in start.items():
            consumer.seek(tp, offset)
        seen = 0
        began = time.perf_counter()
        while seen < count:
            batch = await consumer.getmany(timeout_ms=1000, max_records=5000)
            if not batch and time.perf_counter() - began > 60:
                raise TimeoutError("this run's records were not found again")
            for records in batch.values():
                seen += sum(1 for r in records if ours(r))
        return count / (time.perf_counter() - began)
    finally:
        await consumer.stop()
