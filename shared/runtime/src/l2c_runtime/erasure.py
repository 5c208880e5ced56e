"""The right to be forgotten, for a service's own copies of the events it sent: a sent outbox
row is kept only for retention (and debugging), so the rows that name an erased lead are
deleted with its erasure rather than a week later. Rows not yet sent go out as they are (the
events are already on their way); Kafka keeps what it has until the topics' retention (see
docs/privacy.md)."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from l2c_runtime.messaging_tables import SENT, SKIPPED, outbox
from l2c_runtime.unit_of_work import UnitOfWork


async def forget_sent_events(uow: UnitOfWork, lead_id: UUID) -> int:
    """Delete the sent (or skipped) outbox rows whose event names `lead_id`, in the erasure's
    transaction; returns how many. A scan of the sent rows kept for retention: erasures are
    rare, and the rows are at most the retention period old."""
    names_the_lead = sa.text("position(convert_to(:marker, 'UTF8') in outbox.payload) > 0")
    deleted = await uow.session.execute(
        sa.delete(outbox)
        .where(
            outbox.c.state.in_((SENT, SKIPPED)),
            names_the_lead.bindparams(marker=str(lead_id)),
        )
        .returning(outbox.c.id)
    )
    return len(deleted.all())
