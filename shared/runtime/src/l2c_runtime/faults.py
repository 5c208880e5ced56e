"""Test-only fault injection for crash tests: `L2C_CRASH_POINT=<name>` makes the process die
(like kill -9, no cleanup) the first time it reaches that point. Unset in production."""

from __future__ import annotations

import os
import signal

AFTER_COMMIT_BEFORE_PUBLISH = "after_commit_before_publish"
AFTER_HANDLER_BEFORE_OFFSET_COMMIT = "after_handler_before_offset_commit"

_armed: set[str] = set()


def arm(point: str | None) -> None:
    if point:
        _armed.add(point)


def crash_point(name: str) -> None:
    """Die here, hard, if this point was armed."""
    if name in _armed:
        os.kill(os.getpid(), signal.SIGKILL)
