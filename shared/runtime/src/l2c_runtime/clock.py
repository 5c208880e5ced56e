"""The one source of time in a service. Production reads the wall clock; dev and test can
advance a platform-wide simulated clock so months of billing, SLAs and dunning run in seconds
(see clock_follower and `l2c-clock`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class SimulatedClock:
    """Wall clock plus an offset that only grows: time may be advanced, never rewound."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset = offset
        self._moved = asyncio.Event()

    @property
    def moved(self) -> asyncio.Event:
        """Set when the offset next grows; schedulers wait on it to run due work at once.
        Take it before doing a pass of work, so a move during the pass is not missed."""
        return self._moved

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, delta: timedelta) -> None:
        if delta < timedelta(0):
            raise ValueError("a clock cannot go backwards")
        self.set_offset(self._offset + delta)

    def set_offset(self, offset: timedelta) -> None:
        """Adopt a platform-wide offset; an older (smaller) one is ignored."""
        if offset > self._offset:
            self._offset = offset
            moved, self._moved = self._moved, asyncio.Event()
            moved.set()
