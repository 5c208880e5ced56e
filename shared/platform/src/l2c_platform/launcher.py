"""Start the six services as separate OS processes, each on its own database and port."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import CommitFailedError, RebalanceInProgressError, UnknownMemberIdError
from sqlalchemy.engine import make_url

from l2c_platform.local_issuer import issuer_url
from l2c_platform.local_secrets import kafka_principal_env, local_secret
from l2c_runtime.kafka_client import kafka_client_options
from l2c_schemas.topics import CLOCK


@dataclass(frozen=True)
class Infrastructure:
    kafka_bootstrap: str
    pg_url: str
    """libpq URL of the server, without a database: postgresql://user:pw@host:port"""


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    package: str
    port: int
    database: str

    @property
    def database_role(self) -> str:
        """The PostgreSQL login role the service runs as; it owns the service's database."""
        return f"{self.database}_svc"


SERVICES = (
    ServiceSpec("lead-svc", "lead_svc", 8001, "lead"),
    ServiceSpec("deal-svc", "deal_svc", 8002, "deal"),
    ServiceSpec("cpq-svc", "cpq_svc", 8003, "cpq"),
    ServiceSpec("contract-svc", "contract_svc", 8004, "contract"),
    ServiceSpec("billing-svc", "billing_svc", 8005, "billing"),
    ServiceSpec("ar-svc", "ar_svc", 8006, "ar"),
    ServiceSpec("insights-svc", "insights_svc", 8007, "insights"),
)
BY_NAME = {spec.name: spec for spec in SERVICES}


@dataclass
class PlatformConfig:
    kafka_bootstrap: str = field(
        default_factory=lambda: os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    )
    pg_url: str = field(
        default_factory=lambda: os.environ.get("L2C_PG_URL", "postgresql://l2c:l2c@127.0.0.1:5432")
    )
    database_prefix: str = "l2c_"
    port_offset: int = 0
    group_suffix: str = ""
    """Appended to each consumer group, so a test platform never shares partitions with a
    demo running against the same broker."""
    log_dir: Path = field(default_factory=lambda: Path(os.environ.get("L2C_LOG_DIR", "var/log")))
    span_file: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    def database_url(self, spec: ServiceSpec) -> str:
        """The service's database, reached as its own role when the local secrets have one
        (else with the credentials of `pg_url`)."""
        url = make_url(self.pg_url).set(drivername="postgresql+asyncpg")
        password = local_secret(f"pg-{spec.database_role}")
        if password is not None:
            url = url.set(username=spec.database_role, password=password)
        url = url.set(database=f"{self.database_prefix}{spec.database}")
        return url.render_as_string(hide_password=False)

    def port(self, spec: ServiceSpec) -> int:
        return spec.port + self.port_offset

    def base_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port(BY_NAME[name])}"


async def recreate_databases(config: PlatformConfig) -> None:
    """Fresh, empty databases for every service (tests), as the administrator of `pg_url`:
    each owned by its service's role where that role exists, and no one else may connect."""
    conn = await asyncpg.connect(f"{config.pg_url}/postgres")
    try:
        roles = {r["rolname"] for r in await conn.fetch("SELECT rolname FROM pg_roles")}
        for spec in SERVICES:
            name = f"{config.database_prefix}{spec.database}"
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if spec.database_role in roles:
                await conn.execute(f'CREATE DATABASE "{name}" OWNER "{spec.database_role}"')
                await conn.execute(f'REVOKE ALL ON DATABASE "{name}" FROM PUBLIC')
            else:
                await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def skip_earlier_records(
    config: PlatformConfig, members_gone_within: float = 90.0
) -> dict[TopicPartition, int]:
    """Point every service's consumer group at the end of every L2C topic (the clock
    excepted), so a platform on fresh databases starts with no backlog: what earlier runs
    and benchmarks left on a shared broker is not its work. Returns those end offsets.

    A group that still has members of a killed run is positioned once they have timed out,
    within `members_gone_within` seconds (else CommitFailedError)."""
    admin = AIOKafkaAdminClient(**kafka_client_options(), bootstrap_servers=config.kafka_bootstrap)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if t.startswith("l2c.") and t != CLOCK]
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    partitions = [
        TopicPartition(d["topic"], p["partition"]) for d in described for p in d["partitions"]
    ]
    if not partitions:
        return {}
    consumer = AIOKafkaConsumer(**kafka_client_options(), bootstrap_servers=config.kafka_bootstrap)
    await consumer.start()
    try:
        ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
    finally:
        await consumer.stop()
    await position_groups(config, ends, members_gone_within)
    return ends


async def position_groups(
    config: PlatformConfig, offsets: dict[TopicPartition, int], members_gone_within: float = 90.0
) -> None:
    """Set every service's consumer group to `offsets` (e.g. back to where the platform
    started, to replay what it has consumed since). The groups' members must have stopped;
    those of a killed process are waited for, within `members_gone_within` seconds."""
    for spec in SERVICES:
        group = spec.name + config.group_suffix
        consumer = AIOKafkaConsumer(
            **kafka_client_options(),
            bootstrap_servers=config.kafka_bootstrap,
            group_id=group,
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            consumer.assign(list(offsets))  # positions the group without joining it
            await _commit_once_the_group_is_empty(consumer, group, offsets, members_gone_within)
        finally:
            await consumer.stop()


async def _commit_once_the_group_is_empty(
    consumer: AIOKafkaConsumer,
    group: str,
    offsets: dict[TopicPartition, int],
    within: float,
) -> None:
    """Commit offsets for a group from outside it. The broker takes such a commit only while
    the group has no members; the consumers of a killed run stay members until their session
    times out (services use 10 s), so until then the commit is refused: try again."""
    deadline = time.monotonic() + within
    told = False
    while True:
        try:
            await consumer.commit(offsets)
            return
        except (CommitFailedError, RebalanceInProgressError, UnknownMemberIdError):
            if time.monotonic() > deadline:
                raise
            if not told:
                print(
                    f"waiting for the consumers of a stopped run to drop out of {group} …",
                    flush=True,
                )
                told = True
            await asyncio.sleep(1.0)


class ServiceProcess:
    """One process of a service: a replica (`l2c_runtime.serve`), or with
    `module="l2c_runtime.relay_process"` an `l2c-relay` publishing its outbox."""

    def __init__(
        self,
        spec: ServiceSpec,
        config: PlatformConfig,
        module: str = "l2c_runtime.serve",
        name: str | None = None,
    ) -> None:
        self.spec = spec
        self.config = config
        self.module = module
        self.name = name or spec.name
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.config.log_dir / f"{self.name}.log"

    def start(self, **env_overrides: str) -> None:
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "OTEL_SERVICE_NAME": self.spec.name,
            "DATABASE_URL": self.config.database_url(self.spec),
            "KAFKA_BOOTSTRAP": self.config.kafka_bootstrap,
            "HTTP_PORT": str(self.config.port(self.spec)),
            "L2C_CONSUMER_GROUP": self.spec.name + self.config.group_suffix,
            **kafka_principal_env(self.spec.name),
            "L2C_OIDC_ISSUER": issuer_url(),
            **self.config.extra_env,
            **env_overrides,
        }
        if self.config.span_file:
            env["L2C_SPAN_FILE"] = str(self.config.span_file)
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child process
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module, self.spec.package],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    async def wait_ready(self, timeout: float = 90.0) -> None:
        url = f"http://127.0.0.1:{self.config.port(self.spec)}/health/ready"
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    code = self.process.returncode
                    raise RuntimeError(f"{self.spec.name} exited with {code}; see {self.log_path}")
                try:
                    if (await client.get(url)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.25)
        raise TimeoutError(f"{self.spec.name} not ready after {timeout}s; see {self.log_path}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, as in a crash."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self, timeout: float = 15.0) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def wait_exit(self, timeout: float) -> int | None:
        if self.process is None:
            return None
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None


class Platform:
    """The six services as processes."""

    def __init__(self, config: PlatformConfig) -> None:
        self.config = config
        self.services = {spec.name: ServiceProcess(spec, config) for spec in SERVICES}

    async def start(self) -> None:
        for service in self.services.values():
            service.start()
        await asyncio.gather(*(s.wait_ready() for s in self.services.values()))

    def stop(self) -> None:
        for service in self.services.values():
            if service.process and service.process.poll() is None:
                service.process.send_signal(signal.SIGTERM)
        for service in self.services.values():
            service.stop()
