"""insights-svc reads every journey event of every context's events topic."""

from __future__ import annotations

from insights_svc.handlers import record
from l2c_runtime.consumer import EventHandlers
from l2c_schemas.base import JourneyEvent
from l2c_schemas.registry import MESSAGE_TYPES
from l2c_schemas.topics import CONTEXT_TOPICS

subscriptions = EventHandlers()

JOURNEY_EVENTS = sorted(
    (
        m
        for m in MESSAGE_TYPES.values()
        if m.topic in CONTEXT_TOPICS and issubclass(m, JourneyEvent)
    ),
    key=lambda m: m.ce_type,
)
for _model in JOURNEY_EVENTS:
    subscriptions.on_batch(_model)(record)
