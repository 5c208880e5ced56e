"""The fault matrix: one platform (six services as processes, lead-svc's outbox published by two
`l2c-relay` processes) takes a load of full journeys, intake leads and usage events while one
fault is injected per case; then `l2c verify` (a subprocess, as an operator runs it) checks
the whole platform, and every intake lead and usage event the broker acknowledged must be
stored. A table of the cases is printed at the end. See docs/fault-testing.md.

Run with `make faults` (not part of `make test`)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import pytest

from l2c_platform.fault_load import CaseResult, Load, stored_refs
from l2c_platform.journey import eventually
from l2c_platform.launcher import (
    BY_NAME,
    SERVICES,
    PlatformConfig,
    ServiceProcess,
    position_groups,
    recreate_databases,
    skip_earlier_records,
)

pytestmark = [pytest.mark.faults, pytest.mark.e2e, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]
JOURNEYS = int(os.environ.get("L2C_FAULT_JOURNEYS", "5"))
LEAD_IN_SECONDS = 3.0
"""The load runs this long before the fault: journeys are mid-way when it strikes."""
LOG_DIR = ROOT / "var" / "faults" / "logs"
"""Each process's log, kept after the run (a temporary directory is reused by later runs)."""
RELAYED = "lead-svc"
"""Its outbox is published by two `l2c-relay` processes instead of its replica."""


class FaultPlatform:
    def __init__(self, config: PlatformConfig) -> None:
        self.config = config
        self.services = {spec.name: ServiceProcess(spec, config) for spec in SERVICES}
        spec = BY_NAME[RELAYED]
        self.relays = [
            ServiceProcess(spec, config, "l2c_runtime.relay_process", f"{spec.name}-relay-{n}")
            for n in (1, 2)
        ]
        self.accounts: list[str] = []
        self.start_offsets: dict[Any, int] = {}

    async def start_service(self, name: str) -> None:
        service = self.services[name]
        service.start(**({"L2C_RELAY_INLINE": "false"} if name == RELAYED else {}))
        await service.wait_ready()

    async def start(self) -> None:
        await asyncio.gather(*(self.start_service(name) for name in self.services))
        for relay in self.relays:  # once lead-svc migrated its database
            start_relay(relay)

    def stop(self) -> None:
        everything = [*self.services.values(), *self.relays]
        for process in everything:
            if process.process and process.process.poll() is None:
                process.process.send_signal(signal.SIGCONT)
                process.process.send_signal(signal.SIGTERM)
        for process in everything:
            process.stop()

    async def relay_holding_the_claim(self) -> ServiceProcess:
        database = f"{self.config.pg_url}/{self.config.database_prefix}{BY_NAME[RELAYED].database}"

        async def holder() -> ServiceProcess | None:
            conn = await asyncpg.connect(database)
            try:
                held = await conn.fetchval(
                    "SELECT holder FROM messaging_lease"
                    " WHERE name = 'outbox-relay' AND expires_at > now()"
                )
            finally:
                await conn.close()
            for relay in self.relays:
                if held and relay.process and f":{relay.process.pid}:" in held:
                    return relay
            return None

        return await eventually(holder, "a relay to hold the claim", 60)


def start_relay(relay: ServiceProcess) -> None:
    relay.start(L2C_METRICS_PORT="0")  # no metrics listener: two relays, other checkouts


async def _script(*command: str) -> None:
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        # a JVM starting on two busy cores took more than the default 90 s
        env={**os.environ, "KAFKA_START_TIMEOUT": "300"},
    )
    _, err = await process.communicate()
    assert process.returncode == 0, f"{' '.join(command)} failed: {err.decode()[-2000:]}"


async def infrastructure_up(config: PlatformConfig) -> None:
    """Before a case: the broker and the database server answer, started again if a failed
    case left them stopped (so that one failure does not fail every later case)."""
    if not _answers(config.kafka_bootstrap):
        await _script("deploy/local/kafka.sh", "start")
    if not _answers(config.pg_url.rsplit("@", 1)[-1]):
        await _script("deploy/local/postgres.sh", "start")


def kill_service(name: str) -> Callable[[FaultPlatform], Awaitable[None]]:
    async def fault(platform: FaultPlatform) -> None:
        platform.services[name].kill()
        await platform.start_service(name)

    return fault


async def kill_relay(platform: FaultPlatform) -> None:
    relay = await platform.relay_holding_the_claim()
    relay.kill()
    start_relay(relay)


async def pause_relay_then_kill_it(platform: FaultPlatform) -> None:
    """SIGSTOP while it holds the claim: the other relay must take over; then SIGKILL."""
    paused = await platform.relay_holding_the_claim()
    assert paused.process is not None
    paused.process.send_signal(signal.SIGSTOP)

    async def taken_over() -> bool | None:
        return (await platform.relay_holding_the_claim()) is not paused or None

    await eventually(taken_over, "the other relay to take the claim over", 60)
    paused.kill()
    start_relay(paused)


async def restart_broker(platform: FaultPlatform) -> None:
    await _script("deploy/local/kafka.sh", "restart")


async def restart_postgres(platform: FaultPlatform) -> None:
    await _script("deploy/local/postgres.sh", "restart")


async def replay_every_topic(platform: FaultPlatform) -> None:
    """Every consumer group back to where the platform started: everything is consumed
    again, and must change nothing (the inbox recognises every event)."""
    for service in platform.services.values():
        service.stop()
    await position_groups(platform.config, platform.start_offsets)
    await asyncio.gather(*(platform.start_service(name) for name in platform.services))


CASES: list[tuple[str, Callable[[FaultPlatform], Awaitable[None]] | None]] = [
    ("no fault", None),
    *((f"SIGKILL {spec.name}", kill_service(spec.name)) for spec in SERVICES),
    ("SIGKILL l2c-relay", kill_relay),
    ("SIGSTOP l2c-relay, then SIGKILL", pause_relay_then_kill_it),
    ("broker restart", restart_broker),
    ("PostgreSQL restart", restart_postgres),
    ("replay every topic", replay_every_topic),
]


def _answers(host_port: str) -> bool:
    host, _, port = host_port.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1.0):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
async def platform(fault_log_dirs: list[Path]) -> AsyncIterator[FaultPlatform]:
    kafka = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    pg_url = os.environ.get("L2C_PG_URL", "postgresql://l2c:l2c@127.0.0.1:5432")
    if not (_answers(kafka) and _answers(pg_url.rsplit("@", 1)[-1])):
        pytest.fail("no Kafka/PostgreSQL reachable: run `make infra-up`")
    shutil.rmtree(LOG_DIR, ignore_errors=True)
    config = PlatformConfig(
        kafka_bootstrap=kafka,
        pg_url=pg_url,
        database_prefix="l2c_faults_",
        # beside the end-to-end tests' platform (L2C_E2E_PORT_OFFSET), never on its ports
        port_offset=int(os.environ.get("L2C_E2E_PORT_OFFSET", "100")) + 20,
        group_suffix=f"-faults-{uuid4().hex[:6]}",
        log_dir=LOG_DIR,
        extra_env={
            "L2C_RELAY_POLL_SECONDS": "0.5",
            "L2C_RELAY_LEASE_SECONDS": "3",
            # a key claimed by a request its process died with is free again after 10 s
            "L2C_IDEMPOTENCY_CLAIM_SECONDS": "10",
            "L2C_CLOCK": "simulated",
        },
    )
    await recreate_databases(config)
    running = FaultPlatform(config)
    running.start_offsets = await skip_earlier_records(config)
    try:
        await running.start()
        yield running
    finally:
        running.stop()
        fault_log_dirs.append(config.log_dir)


def _verify(platform: FaultPlatform, run: str) -> dict[str, Any]:
    """`l2c verify` as an operator runs it; waits for in-flight work to settle."""
    config = platform.config
    command = [
        str(Path(sys.executable).with_name("l2c")),
        "verify",
        f"--run={run}",
        f"--database-prefix={config.database_prefix}",
        f"--group-suffix={config.group_suffix}",
        "--wait=90",
        "--json",
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode in (0, 1), f"l2c verify could not run: {done.stderr}"
    report: dict[str, Any] = json.loads(done.stdout)
    return report


async def _records_stored(platform: FaultPlatform, load: Load) -> tuple[set[str], set[str]]:
    """The acknowledged intake leads and usage events not stored (yet), after waiting."""
    outcome = load.outcome

    async def missing() -> tuple[set[str], set[str]] | None:
        leads, usage = await stored_refs(platform.config, outcome.run)
        gone = (outcome.intake_acked - leads, outcome.usage_acked - usage)
        return None if any(gone) else gone

    try:
        return await eventually(missing, "intake and usage to be stored", 90)
    except TimeoutError:
        leads, usage = await stored_refs(platform.config, outcome.run)
        return outcome.intake_acked - leads, outcome.usage_acked - usage


@pytest.mark.parametrize(
    "case, fault", CASES, ids=[re.sub(r"[^a-z0-9]+", "-", c.lower()) for c, _ in CASES]
)
async def test_after_the_fault_every_journey_is_paid_once_and_the_books_balance(
    platform: FaultPlatform,
    case: str,
    fault: Callable[[FaultPlatform], Awaitable[None]] | None,
    fault_results: list[CaseResult],
) -> None:
    row = CaseResult(case)
    fault_results.append(row)  # in the table even when the case fails
    began = time.monotonic()
    await infrastructure_up(platform.config)
    try:
        await _run_case(platform, case, fault, row)
        row.passed = True
    finally:
        row.seconds = time.monotonic() - began


async def _run_case(
    platform: FaultPlatform,
    case: str,
    fault: Callable[[FaultPlatform], Awaitable[None]] | None,
    row: CaseResult,
) -> None:
    run = f"{re.sub(r'[^a-z0-9]+', '-', case.lower())}-{uuid4().hex[:4]}"
    load = Load(platform.config, run, JOURNEYS, usage_accounts=platform.accounts)
    load.start()
    await asyncio.sleep(LEAD_IN_SECONDS)
    fault_at = time.monotonic()
    if fault is not None:
        await fault(platform)
    await load.wait_journeys()
    outcome = await load.stop()
    platform.accounts.extend(load.accounts)
    row.recovery = outcome.recovery_seconds(fault_at)

    report = _verify(platform, run)
    row.journeys, row.lost, row.doubled = report["journeys"], report["lost"], report["doubled"]
    intake_lost, usage_lost = await _records_stored(platform, load)
    row.intake = (len(outcome.intake_acked) - len(intake_lost), len(outcome.intake_acked))
    row.usage = (len(outcome.usage_acked) - len(usage_lost), len(outcome.usage_acked))
    assert report["journeys"] == JOURNEYS, report
    assert report["ok"], f"violations: {report['violations']}; drivers: {outcome.failures}"
    assert not outcome.failures
    assert not intake_lost, f"acknowledged intake leads never stored: {sorted(intake_lost)[:5]}"
    assert not usage_lost, f"acknowledged usage events never stored: {sorted(usage_lost)[:5]}"
