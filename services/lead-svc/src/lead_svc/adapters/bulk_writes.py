"""Writes of new leads (and of the routing rotation's state) collected during a transaction and
sent in bulk just before it commits.

The consumer handles a whole poll of intake records in one transaction. Written one by one,
each new lead costs a lead row, a history statement and four outbox rows. Collected here, the
whole poll costs three multi-row statements. Nothing changes for readers: the rows commit in
the same transaction, and the outbox rows are exactly what `UnitOfWork.emit` would write
(built by `UnitOfWork.outbox_row`).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from l2c_runtime.messaging_tables import outbox
from l2c_runtime.telemetry import current_traceparent
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.base import Message
from lead_svc.adapters.tables import lead_history, leads, sales_reps

_LEAD_COLUMNS = [column.name for column in leads.columns]
_COLUMN_DEFAULTS = {"recycle_count": 0, "attribution": {}, "fit_score": 0, "intent_score": 0}


class PendingWrites:
    """New leads (by person key), their history and their events, not yet written."""

    def __init__(self) -> None:
        self.leads: dict[str, dict[str, Any]] = {}
        self.history: list[dict[str, Any]] = []
        self.outbox: list[dict[str, Any]] = []
        self.rep_credits: dict[str, int] = {}
        """The round-robin credit of each rep whose turn moved (rep id -> credit)."""
        self.collecting = False
        """True while a new lead's events are emitted: they join the bulk write."""

    def add_lead(self, lead: dict[str, Any], history: list[dict[str, Any]]) -> None:
        row = {name: lead.get(name, _COLUMN_DEFAULTS.get(name)) for name in _LEAD_COLUMNS}
        self.leads[lead["person_key"]] = row
        self.history.extend(history)

    def add_event(self, uow: UnitOfWork, message: Message) -> None:
        self.outbox.append(uow.outbox_row(message, current_traceparent()))
        uow.emitted.append(message)  # so the runtime wakes the relay at commit

    def write(self, session: Session) -> None:
        """Outbox rows in the order they were emitted, so each lead's events stay in order.
        (At commit, for what `flush` did not write.)"""
        if self.leads:
            session.execute(sa.insert(leads), list(self.leads.values()))
        if self.history:
            session.execute(sa.insert(lead_history), self.history)
        if self.outbox:
            session.execute(sa.insert(outbox), self.outbox)
        if self.rep_credits:
            session.execute(_UPDATE_CREDIT, self._credit_rows())
        self._clear()

    async def flush(self, uow: UnitOfWork) -> None:
        """Write what is pending now, new rows by COPY (several times faster than INSERTs)."""
        await uow.copy_rows(leads, list(self.leads.values()))
        await uow.copy_rows(lead_history, self.history)
        await uow.copy_rows(outbox, self.outbox)
        if self.rep_credits:
            await uow.session.execute(_UPDATE_CREDIT, self._credit_rows())
        self._clear()

    def _credit_rows(self) -> list[dict[str, Any]]:
        return [{"rep": rep, "new_credit": c} for rep, c in self.rep_credits.items()]

    def _clear(self) -> None:
        self.leads, self.history, self.outbox, self.rep_credits = {}, [], [], {}


_UPDATE_CREDIT = (
    sa.update(sales_reps)
    .where(sales_reps.c.rep_id == sa.bindparam("rep"))
    .values(credit=sa.bindparam("new_credit"))
)


def pending_writes(uow: UnitOfWork, cache: dict[str, Any]) -> PendingWrites:
    """This transaction's pending writes, written by the session right before it commits."""
    if "pending" not in cache:
        pending = PendingWrites()
        event.listen(uow.session.sync_session, "before_commit", pending.write, once=True)
        cache["pending"] = pending
    found: PendingWrites = cache["pending"]
    return found


async def write_now(uow: UnitOfWork, cache: dict[str, Any]) -> None:
    """Write what is pending at once (a later statement of the transaction needs the rows)."""
    pending: PendingWrites | None = cache.get("pending")
    if pending is not None:
        await pending.flush(uow)
