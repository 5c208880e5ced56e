"""The load the fault matrix (tests/faults, docs/fault-testing.md) runs while it breaks
things: full journeys from lead to cash through the public APIs, and beside them leads
submitted on the intake topic and usage events on the usage topic. It records when each
journey was paid and which intake and usage records the broker acknowledged, so that a test
can tell lost from doubled and measure the recovery."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from l2c_platform.invariants import journey_ref
from l2c_platform.journey import DEMO_LEAD, JourneyDriver
from l2c_platform.launcher import PlatformConfig
from l2c_runtime.kafka_client import kafka_client_options
from l2c_schemas import LeadSubmitted
from l2c_schemas.base import Message
from l2c_schemas.billing import UsageRecorded
from l2c_schemas.envelope import encode

log = logging.getLogger(__name__)


@dataclass
class LoadOutcome:
    run: str
    journeys: int
    paid_at: dict[str, float] = field(default_factory=dict)
    """Journey reference → when (monotonic) its invoice was seen paid."""
    failures: dict[str, str] = field(default_factory=dict)
    intake_acked: set[str] = field(default_factory=set)
    usage_acked: set[str] = field(default_factory=set)

    def recovery_seconds(self, fault_at: float) -> float:
        """From the fault until every journey was paid (0 if all were paid before it)."""
        return max([0.0, *(t - fault_at for t in self.paid_at.values())])


class Load:
    """`journeys` journeys, at most `concurrency` at a time, and intake and usage records at
    a steady rate until `stop`. Usage goes to the accounts in `usage_accounts` (accounts of
    earlier journeys); none: no usage."""

    def __init__(
        self,
        config: PlatformConfig,
        run: str,
        journeys: int,
        concurrency: int = 5,
        per_second: float = 3.0,
        usage_accounts: list[str] | None = None,
        step_timeout: float = 240.0,
    ) -> None:
        self._config = config
        self.outcome = LoadOutcome(run, journeys)
        self._slots = asyncio.Semaphore(concurrency)
        self._period = 1.0 / per_second
        self._accounts = usage_accounts or []
        self._step_timeout = step_timeout
        self._stopping = asyncio.Event()
        self._journeys: list[asyncio.Task[None]] = []
        self._streams: list[asyncio.Task[None]] = []
        self.accounts: list[str] = []
        """Accounts of this load's journeys, once known."""

    def start(self) -> None:
        run = self.outcome.run
        self._journeys = [
            asyncio.create_task(self._journey(journey_ref(run, n), n))
            for n in range(self.outcome.journeys)
        ]
        self._streams = [asyncio.create_task(self._records())]

    async def _journey(self, ref: str, number: int) -> None:
        async with self._slots:
            driver = JourneyDriver(self._config.base_url, timeout=self._step_timeout)
            email = f"j{number}.{self.outcome.run}@faults.example".lower()
            try:
                journey = await driver.run(email=email, external_ref=ref)
                self.outcome.paid_at[ref] = time.monotonic()
                self.accounts.append(journey.account_id)
            except Exception as exc:  # recorded: `l2c verify` reports the journey as lost
                self.outcome.failures[ref] = f"{type(exc).__name__}: {exc}"

    async def wait_journeys(self) -> None:
        await asyncio.gather(*self._journeys)

    async def _records(self) -> None:
        producer = AIOKafkaProducer(
            **kafka_client_options(),
            bootstrap_servers=self._config.kafka_bootstrap,
            acks="all",
            enable_idempotence=True,
            request_timeout_ms=10_000,
        )
        await producer.start()
        n = 0
        try:
            while not self._stopping.is_set():
                await asyncio.gather(
                    self._send(producer, self._intake(n), self.outcome.intake_acked),
                    *(
                        [self._send(producer, self._usage(n), self.outcome.usage_acked)]
                        if self._accounts
                        else []
                    ),
                )
                n += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._period)
        finally:
            await producer.stop()

    def _intake(self, n: int) -> tuple[str, Message]:
        ref = f"intake:{self.outcome.run}:{n}"
        lead = LeadSubmitted.model_validate(
            {**DEMO_LEAD, "email": f"i{n}.{self.outcome.run}@faults.example", "external_id": ref}
        )
        return ref, lead

    def _usage(self, n: int) -> tuple[str, Message]:
        ref = f"usage:{self.outcome.run}:{n}"
        event = UsageRecorded(
            event_id=ref,
            account_id=UUID(self._accounts[n % len(self._accounts)]),
            metric="api_calls",
            quantity=Decimal(1),
            occurred_at=datetime.now(UTC),
        )
        return ref, event

    @staticmethod
    async def _send(producer: AIOKafkaProducer, item: tuple[str, Message], acked: set[str]) -> None:
        ref, message = item
        record = encode(message, source="/faults/load")
        try:
            await producer.send_and_wait(
                record.topic, record.value, record.key, headers=record.headers
            )
            acked.add(ref)
        except KafkaError as exc:  # the broker is down: not acknowledged, not counted
            log.debug("record %s not acknowledged: %s", ref, exc)

    async def stop(self) -> LoadOutcome:
        self._stopping.set()
        await asyncio.gather(*self._streams)
        return self.outcome


@dataclass
class CaseResult:
    """One case of the fault matrix, a line of its table (`matrix_table`). What a case did
    not reach (it failed earlier) stays None."""

    case: str
    passed: bool = False
    journeys: int | None = None
    lost: int | None = None
    doubled: int | None = None
    recovery: float | None = None
    """Seconds from the fault until the case's last journey was paid."""
    intake: tuple[int, int] | None = None
    """(stored, acknowledged) intake leads."""
    usage: tuple[int, int] | None = None
    """(stored, acknowledged) usage events."""
    seconds: float = 0.0
    """The whole case: load, fault, settling and checks."""


def matrix_table(results: list[CaseResult]) -> list[str]:
    """The fault matrix's table, one line per case under a header, and a total."""

    def number(value: float | None, width: int, digits: int = 0) -> str:
        return f"{'-':>{width}}" if value is None else f"{value:>{width}.{digits}f}"

    def ratio(value: tuple[int, int] | None) -> str:
        return f"{'-':>11}" if value is None else f"{f'{value[0]}/{value[1]}':>11}"

    lines = [
        f"{'case':<32} {'result':<6} {'journeys':>8} {'lost':>4} {'doubled':>7} "
        f"{'recovery s':>10} {'case s':>6} {'intake':>11} {'usage':>11}"
    ]
    for r in results:
        lines.append(
            f"{r.case:<32} {'pass' if r.passed else 'FAIL':<6} {number(r.journeys, 8)} "
            f"{number(r.lost, 4)} {number(r.doubled, 7)} {number(r.recovery, 10, 1)} "
            f"{number(r.seconds, 6)} {ratio(r.intake)} {ratio(r.usage)}"
        )
    passed = sum(r.passed for r in results)
    lines.append(
        f"{passed}/{len(results)} cases passed; {sum(r.seconds for r in results):.0f} s in cases"
    )
    return lines


async def stored_refs(config: PlatformConfig, run: str) -> tuple[set[str], set[str]]:
    """The intake leads and usage events of load run `run` that the platform stored."""
    base = f"{config.pg_url}/{config.database_prefix}"
    lead = await asyncpg.connect(base + "lead")
    billing = await asyncpg.connect(base + "billing")
    try:
        leads = await lead.fetch(
            "SELECT external_id FROM leads WHERE starts_with(external_id, $1)", f"intake:{run}:"
        )
        usage = await billing.fetch(
            "SELECT event_id FROM usage_events WHERE starts_with(event_id, $1)"
            " UNION ALL SELECT event_id FROM usage_pending WHERE starts_with(event_id, $1)",
            f"usage:{run}:",
        )
    finally:
        await lead.close()
        await billing.close()
    return {r["external_id"] for r in leads}, {r["event_id"] for r in usage}
