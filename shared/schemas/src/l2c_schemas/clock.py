"""The platform-wide simulated clock (dev and test only). Each ClockAdvanced on l2c.clock.v1
carries the TOTAL offset from the wall clock, so the newest message alone is the state."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from l2c_schemas.base import Message
from l2c_schemas.topics import CLOCK


class ClockAdvanced(Message):
    ce_type: ClassVar[str] = "l2c.clock.ClockAdvanced.v1"
    topic: ClassVar[str] = CLOCK

    offset_seconds: int = Field(ge=0)
    """Simulated time minus wall-clock time, in seconds; never decreases."""
    advanced_at: datetime
    """Wall-clock time of the change."""

    def message_key(self) -> str:
        return "clock"
