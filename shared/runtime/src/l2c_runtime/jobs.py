"""Scheduled work. Every replica runs every job; a job claims its work items with
`FOR UPDATE SKIP LOCKED` (or an advisory lock), so replicas share the work instead of
doing it twice. A job wakes on its interval, or at once when the simulated clock moves."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from l2c_runtime.clock import SimulatedClock

if TYPE_CHECKING:
    from l2c_runtime.service import Runtime

log = logging.getLogger(__name__)


OnePass = Callable[["Runtime"], Awaitable[Any]]
JobLoop = Callable[["Runtime"], Coroutine[Any, Any, None]]


def periodic(interval_seconds: float) -> Callable[[OnePass], JobLoop]:
    """Turn `async def job(runtime)` (one pass over the due work) into a loop that runs it
    every `interval_seconds`, and right after the simulated clock moves."""

    def decorate(one_pass: OnePass) -> JobLoop:
        async def loop(runtime: Runtime) -> None:
            while True:
                clock = runtime.clock
                moved = clock.moved if isinstance(clock, SimulatedClock) else None
                metrics, name = runtime.metrics, one_pass.__name__
                started = time.perf_counter()
                try:
                    await one_pass(runtime)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    metrics.job_failures.labels(name).inc()
                    log.exception("job %s failed; next try in %ss", name, interval_seconds)
                metrics.job_runs.labels(name).inc()
                metrics.job_seconds.labels(name).observe(time.perf_counter() - started)
                if moved is None:
                    await asyncio.sleep(interval_seconds)
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(moved.wait(), interval_seconds)

        loop.__name__ = one_pass.__name__
        return loop

    return decorate
