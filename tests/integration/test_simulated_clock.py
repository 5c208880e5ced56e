"""The platform-wide simulated clock: one advance moves the time of all six services."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from l2c_platform.journey import eventually
from l2c_platform.kafka_io import publish
from l2c_platform.launcher import SERVICES, Infrastructure, Platform
from l2c_platform.tokens import operator_client
from l2c_runtime.clock import SimulatedClock
from l2c_runtime.clock_follower import advance_platform_clock, catch_up
from l2c_schemas.topics import CLOCK

pytestmark = [pytest.mark.e2e, pytest.mark.integration]


async def _service_times(platform: Platform) -> dict[str, datetime]:
    async with operator_client() as client:
        return {
            spec.name: datetime.fromisoformat(
                (await client.get(f"{platform.config.base_url(spec.name)}/clock")).json()["now"]
            )
            for spec in SERVICES
        }


async def test_advancing_the_platform_clock_moves_every_service(
    platform: Platform, infra: Infrastructure
) -> None:
    before = await _service_times(platform)
    await advance_platform_clock(infra.kafka_bootstrap, timedelta(days=30))

    async def all_moved() -> dict[str, datetime] | None:
        now = await _service_times(platform)
        moved = all(now[name] - before[name] >= timedelta(days=30) for name in now)
        return now if moved else None

    after = await eventually(all_moved, "every service to adopt the new time", timeout=30)
    # Moved by the advance, not more: at most a minute of real time passed meanwhile.
    assert all(after[n] - before[n] < timedelta(days=30, minutes=1) for n in after)


async def test_a_starting_process_adopts_the_platform_time_before_anything_runs(
    infra: Infrastructure,
) -> None:
    """`catch_up` (called by every service and relay before it consumes, serves or runs a job)
    reads the newest offset at once: a restarted billing-svc must not issue an invoice dated
    by the wall clock while its follower replays the topic."""
    offset = await advance_platform_clock(infra.kafka_bootstrap, timedelta(hours=1))
    # a record that is not a clock change, newest on the topic: passed over for the one before
    await publish(infra.kafka_bootstrap, CLOCK, b"not a clock change", [], b"clock")
    clock = SimulatedClock()
    await catch_up(infra.kafka_bootstrap, clock)
    assert clock.offset == offset
