"""The parts of a running service that start and stop with it. `create_app` lists them in
the order they start; they stop in the reverse order, each after those started after it (so
offset commits land before the broker stops, and jobs end before the database goes)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from l2c_runtime.clock import Clock
from l2c_runtime.metrics import ServiceMetrics
from l2c_runtime.relay import OutboxRelay, RenewingPublisher, relay_with_publisher
from l2c_runtime.settings import ServiceSettings

log = logging.getLogger(__name__)


class Component(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@contextlib.asynccontextmanager
async def started(components: Sequence[Component]) -> AsyncIterator[None]:
    """Start the components in order and stop those started, in reverse order, on exit (also
    when a later one fails to start). A component that fails to stop does not keep the
    others from stopping."""
    running: list[Component] = []
    try:
        for component in components:
            await component.start()
            running.append(component)
        yield
    finally:
        for component in reversed(running):
            try:
                await component.stop()
            except Exception:
                log.exception("%s did not stop cleanly", type(component).__name__)


class InlineRelay:
    """The outbox relay inside the service process, with a producer of its own: each record
    carries its row's trace context in the headers, none of the broker's per-message
    machinery. (`l2c-relay <package>` runs it as a process of its own instead.)"""

    def __init__(
        self,
        engine: AsyncEngine,
        settings: ServiceSettings,
        clock: Clock,
        name: str,
        metrics: ServiceMetrics,
    ) -> None:
        self._args = (engine, settings, clock, name, metrics)
        self._relay: OutboxRelay | None = None
        self._publisher: RenewingPublisher | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._relay, self._publisher = relay_with_publisher(*self._args)
        await self._publisher.start()
        self._task = asyncio.create_task(self._relay.run(), name="outbox-relay")

    async def stop(self) -> None:
        """The relay finishes the batch it is publishing, then its producer stops."""
        if self._relay is not None:
            self._relay.stop()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        if self._publisher is not None:
            await self._publisher.stop()


TaskFactory = tuple[str, Callable[[], Coroutine[Any, Any, None]]]


class BackgroundTasks:
    """Loops that run until the service stops (jobs, the clock follower, the metrics
    sampler); stopping cancels them."""

    def __init__(self, factories: Sequence[TaskFactory]) -> None:
        self._factories = factories
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(make(), name=name) for name, make in self._factories]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
