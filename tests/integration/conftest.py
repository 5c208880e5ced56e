"""Real infrastructure for integration and end-to-end tests.

Uses the Kafka and PostgreSQL named by KAFKA_BOOTSTRAP / L2C_PG_URL when they answer (CI and
`make infra-up` start them natively), else starts them with testcontainers when Docker is
there, else fails with what to do. Never an in-memory stand-in.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from l2c_platform.kafka_io import read_from
from l2c_platform.launcher import (
    Infrastructure,
    Platform,
    PlatformConfig,
    recreate_databases,
    skip_earlier_records,
)


def _answers(host_port: str) -> bool:
    host, _, port = host_port.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1.0):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def infra() -> Iterator[Infrastructure]:
    kafka = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    pg_url = os.environ.get("L2C_PG_URL", "postgresql://l2c:l2c@127.0.0.1:5432")
    if _answers(kafka) and _answers(pg_url.rsplit("@", 1)[-1]):
        yield Infrastructure(kafka, pg_url)
        return
    try:
        from testcontainers.community.kafka import KafkaContainer
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # pragma: no cover - depends on the machine
        pytest.fail("no Kafka/PostgreSQL reachable: run `make infra-up` (or install Docker)")
    try:
        with (
            KafkaContainer("apache/kafka:4.1.1").with_kraft() as kc,
            PostgresContainer("postgres:16", username="l2c", password="l2c") as pc,
        ):
            host = pc.get_container_host_ip()
            yield Infrastructure(
                kc.get_bootstrap_server(),
                f"postgresql://l2c:l2c@{host}:{pc.get_exposed_port(5432)}",
            )
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.fail(f"no Kafka/PostgreSQL reachable and Docker failed ({exc}): run `make infra-up`")


@pytest.fixture(scope="session")
async def platform(
    infra: Infrastructure, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Platform]:
    """The six services as separate OS processes on fresh databases, spans to a file.

    Test sessions on one machine with the same port offset take turns (a file lock): they
    share ports, databases and consumer groups, and two platforms in one group would steal
    each other's partitions. A checkout with its own broker and database server can run
    beside them with its own `L2C_E2E_PORT_OFFSET` (default 100: ports 8101-8106)."""
    port_offset = int(os.environ.get("L2C_E2E_PORT_OFFSET", "100"))
    lock_file = Path(tempfile.gettempdir()) / f"l2c-e2e-platform-{port_offset}.lock"
    lock = open(lock_file, "w")  # noqa: SIM115, ASYNC230
    await asyncio.to_thread(fcntl.flock, lock, fcntl.LOCK_EX)
    workdir: Path = tmp_path_factory.mktemp("platform")
    config = PlatformConfig(
        kafka_bootstrap=infra.kafka_bootstrap,
        pg_url=infra.pg_url,
        database_prefix="l2c_e2e_",
        port_offset=port_offset,
        group_suffix="-e2e",
        log_dir=workdir / "logs",
        span_file=workdir / "spans.jsonl",
        extra_env={
            "L2C_RELAY_POLL_SECONDS": "0.5",
            "L2C_CLOCK": "simulated",
            "L2C_METRICS_SAMPLE_SECONDS": "1",
            "L2C_JAEGER_URL": "http://jaeger.test:16686",
        },
    )
    await recreate_databases(config)
    read_from(await skip_earlier_records(config))
    running = Platform(config)
    try:
        await running.start()
        yield running
    finally:
        running.stop()
        lock.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The API fuzz runs last: it changes the shared platform's configuration (scoring rules,
    gates, pipelines, tax rates) as it tries every operation, which other tests rely on."""
    items.sort(key=lambda item: item.get_closest_marker("fuzz") is not None)
