"""Test-only fault injection for crash tests. `L2C_CRASH_POINT=<name>` makes the process die
(like kill -9, no clean-up) the first time it reaches that point; `<name>@<ce_type>` only when
the work at that point includes an event of that type. Unset in production."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterable

AFTER_COMMIT_BEFORE_PUBLISH = "after_commit_before_publish"
AFTER_HANDLER_BEFORE_OFFSET_COMMIT = "after_handler_before_offset_commit"

_armed: dict[str, str | None] = {}


def arm(point: str | None) -> None:
    if point:
        name, _, event_type = point.partition("@")
        _armed[name] = event_type or None


def crash_point(name: str, event_types: Iterable[str] = ()) -> None:
    """Die here, hard, if this point was armed (for one of these event types)."""
    if name not in _armed:
        return
    wanted = _armed[name]
    if wanted is None or wanted in set(event_types):
        os.kill(os.getpid(), signal.SIGKILL)
