"""What the service benchmarks share: a fresh database, a service started as its own OS
process (its own database, HTTP port and consumer group, nothing shared with a running
platform), its CPU time, its consumer group placed at the end of the topics it reads, and the
raw aiokafka consume rate of the records a run produced.

Not a benchmark itself (`make bench` runs bench/bench_*.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from l2c_runtime.kafka_client import kafka_client_options
from l2c_runtime.migrations import upgrade_to_head

PG = os.environ.get("L2C_PG_URL", "postgresql://l2c:l2c@127.0.0.1:5432")
KAFKA = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
ROOT = Path(__file__).resolve().parent.parent


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


async def partitions(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    found = consumer.partitions_for_topic(topic)
    if not found:
        await consumer._client.force_metadata_update()  # aiokafka: no public call
        found = consumer.partitions_for_topic(topic) or set()
    return [TopicPartition(topic, p) for p in sorted(found)]


async def end_offsets(topics: list[str]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(
        **kafka_client_options(), bootstrap_servers=KAFKA, enable_auto_commit=False
    )
    await consumer.start()
    try:
        tps = [tp for topic in topics for tp in await partitions(consumer, topic)]
        ends: dict[TopicPartition, int] = await consumer.end_offsets(tps)
        return ends
    finally:
        await consumer.stop()


async def position_group_at_end(group: str, topics: list[str]) -> dict[TopicPartition, int]:
    """Commit the group's offsets at the end of `topics`: the service starts with this run's
    records. Returns those offsets (where this run's records begin)."""
    ends = await end_offsets(topics)
    consumer = AIOKafkaConsumer(
        **kafka_client_options(), bootstrap_servers=KAFKA, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(list(ends))
        await consumer.commit(ends)
    finally:
        await consumer.stop()
    return ends


async def group_caught_up(group: str, ends: dict[TopicPartition, int]) -> bool:
    """Whether the group has committed offsets at (or past) `ends` on every partition."""
    consumer = AIOKafkaConsumer(
        **kafka_client_options(), bootstrap_servers=KAFKA, group_id=group, enable_auto_commit=False
    )
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
        async with httpx.AsyncClient() as client:
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
    consumer = AIOKafkaConsumer(
        **kafka_client_options(), bootstrap_servers=KAFKA, enable_auto_commit=False
    )
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
