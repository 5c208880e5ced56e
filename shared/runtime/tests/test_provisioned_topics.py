"""What a service provisions before it starts is what it writes, what it reads and the
dead-letter topic of each topic it reads; benchmarks provision through the same list."""

from __future__ import annotations

from pathlib import Path

from l2c_runtime.consumer import EventHandlers
from l2c_runtime.service import ServiceDefinition
from l2c_schemas import LeadQualified, QuoteAccepted
from l2c_schemas.topics import CPQ_EVENTS, DEAL_EVENTS, LEAD_EVENTS


async def _ignore(message: object, uow: object, event: object) -> None:
    return None


def test_written_read_and_dead_letter_topics_each_once() -> None:
    handlers = EventHandlers()
    handlers.on(LeadQualified)(_ignore)
    handlers.on(QuoteAccepted)(_ignore)
    definition = ServiceDefinition(
        name="x-svc", migrations=Path("."), handlers=handlers, produces=[DEAL_EVENTS, LEAD_EVENTS]
    )

    assert definition.provisioned_topics() == sorted(
        [
            DEAL_EVENTS,
            LEAD_EVENTS,  # written and read: once
            CPQ_EVENTS,
            f"{LEAD_EVENTS}.dlq",
            f"{CPQ_EVENTS}.dlq",
        ]
    )


def test_a_service_that_reads_nothing_provisions_what_it_writes() -> None:
    definition = ServiceDefinition(name="x-svc", migrations=Path("."), produces=[DEAL_EVENTS])

    assert definition.provisioned_topics() == [DEAL_EVENTS]
