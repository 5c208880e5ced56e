"""Many events into the outbox in one statement.

`UnitOfWork.emit` writes one outbox row per call; a billing run emits thousands of events in
one transaction, so this writes the same rows (same encoding, same columns, same NOTIFY at
commit through `uow.emitted`) with one multi-row insert. Each event carries the trace context
of the journey it belongs to, so a job's invoices continue their lead's trace."""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa

from billing_svc.adapters.bulk import copy_rows
from l2c_runtime.messaging_tables import outbox
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.base import Message


async def emit_all(uow: UnitOfWork, events: Sequence[tuple[Message, str | None]]) -> None:
    """Record (event, traceparent) pairs in the outbox, in order."""
    if not events:
        return
    rows = []
    for message, traceparent in events:
        rows.append(uow.outbox_row(message, traceparent))
        uow.emitted.append(message)
    if len(rows) == 1:
        await uow.session.execute(sa.insert(outbox), rows)
        return
    # COPY takes the JSONB column's text.
    for row in rows:
        row["headers"] = json.dumps(row["headers"])
    await copy_rows(uow, outbox, rows)
