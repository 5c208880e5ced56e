"""Collections: the dunning job. On the days an open invoice has something due (due + 1,
then the day of its next step or of its write-off: `next_dunning_on`) it announces the invoice
overdue, sends the schedule's notices, makes the account delinquent at the final notice and
writes the invoice off per policy. Dunning stops when the invoice is paid (or voided): only
open receivables with a balance are looked at; and it pauses while the invoice has an open
dispute (it resumes, with the latest step due, once the dispute is resolved).

Every replica runs the job. It works in batches: each transaction claims up to
`DUNNING_BATCH` invoices with FOR UPDATE SKIP LOCKED, takes their accounts' locks (passing
over the invoices of an account a payment is changing right now, until the next pass), and
reads, decides and writes the whole batch with a few set-wise statements, as if its invoices
had been handled one after the other in that order. The dunning policy is
`L2C_AR_DUNNING_POLICY` (JSON, see `DunningPolicy.from_json`), else the default schedule."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from ar_svc.adapters import dunning_store as store
from ar_svc.adapters.ledger_store import posting_rows
from ar_svc.adapters.tables import postings
from ar_svc.domain.dunning import (
    DEFAULT_POLICY,
    DunningDecision,
    DunningPolicy,
    decide_dunning,
    next_dunning_day,
)
from ar_svc.domain.ledger import Ledger, Posting
from l2c_runtime.jobs import periodic
from l2c_runtime.service import Runtime
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import Money
from l2c_schemas.ar import AccountDelinquent, DunningNoticeSent, InvoiceOverdue, InvoiceWrittenOff
from l2c_schemas.base import Message

MAX_INVOICES_PER_PASS = 20_000
DUNNING_BATCH = 1_000


def dunning_policy() -> DunningPolicy:
    configured = os.environ.get("L2C_AR_DUNNING_POLICY")
    return DunningPolicy.from_json(configured) if configured else DEFAULT_POLICY


@periodic(5.0)
async def run_dunning(runtime: Runtime) -> None:
    """One pass over the invoices due for a dunning look today."""
    await dun_due_invoices(runtime.unit_of_work, dunning_policy())


async def dun_due_invoices(
    unit_of_work: Any, policy: DunningPolicy, batch: int = DUNNING_BATCH
) -> int:
    """Handle every open invoice past its due date not yet looked at today, a batch per
    transaction; returns how many."""
    handled = 0
    busy: list[UUID] = []
    while handled < MAX_INVOICES_PER_PASS:
        async with unit_of_work() as uow:
            today = uow.clock.now().date()
            rows = await store.claim_due(uow, today, busy, batch)
            if not rows:
                return handled
            locked = await store.try_lock_accounts(uow, {r.account_id for r in rows})
            busy += [r.invoice_id for r in rows if r.account_id not in locked]
            mine = [r for r in rows if r.account_id in locked]
            if mine:
                await dun_invoices(uow, mine, today, policy)
            handled += len(mine)
    return handled


@dataclass(frozen=True)
class _Decided:
    row: Any
    balance: Decimal
    decision: DunningDecision


async def dun_invoices(
    uow: UnitOfWork, rows: Sequence[Any], today: date, policy: DunningPolicy
) -> None:
    """Decide and carry out today's dunning of claimed receivables whose accounts are
    locked: for each one still owing money, in order, InvoiceOverdue, DunningNoticeSent,
    AccountDelinquent (once per account) and InvoiceWrittenOff as the schedule says."""
    now = uow.clock.now()
    balances = await store.invoice_balances(uow, [r.invoice_id for r in rows])
    owing = [
        _Decided(
            r,
            balances.get(r.invoice_id, Decimal(0)),
            decide_dunning(policy, r.due_date, today, r.dunning_step, r.overdue_at is not None),
        )
        for r in rows
        if balances.get(r.invoice_id, Decimal(0)) > 0
    ]
    finals: dict[UUID, Any] = {}
    # Invoices written off before their account's final notice in this batch: as when one
    # by one, they no longer count in the overdue balance the notice announces.
    written_off_before: list[UUID] = []
    for d in owing:
        if d.decision.delinquent:
            finals.setdefault(d.row.account_id, d.row)
        if d.decision.write_off and d.row.account_id not in finals:
            written_off_before.append(d.row.invoice_id)
    overdue = (
        await store.overdue_totals(uow, list(finals), now.date(), written_off_before)
        if finals
        else {}
    )
    became = (
        await store.become_delinquent(uow, [(a, r.invoice_id) for a, r in finals.items()], now)
        if finals
        else set()
    )
    events: list[tuple[Message, str | None]] = []
    write_offs: list[dict[str, Any]] = []
    changes = {
        r.invoice_id: store.ReceivableChange(
            r.invoice_id, None, r.dunning_step, r.overdue_at, r.status, r.closed_at
        )
        for r in rows
    }
    for d in owing:
        row = d.row
        delinquent = None
        if row.account_id in became and finals[row.account_id] is row:
            total = overdue.get((row.account_id, row.currency), Decimal(0))
            delinquent = Money(amount=total, currency=row.currency)
        events += [(e, row.traceparent) for e in _notices(row, d, policy, now, delinquent)]
        change = changes[row.invoice_id]
        step = d.decision.notice or row.dunning_step
        overdue_at = now if d.decision.overdue else row.overdue_at
        if d.decision.write_off:
            ledger = Ledger([Posting("invoice", d.balance, invoice_id=row.invoice_id)])
            write_offs += posting_rows(
                row.account_id, row.currency, ledger.write_off(row.invoice_id), now
            )
            changes[row.invoice_id] = replace(
                change, dunning_step=step, overdue_at=overdue_at, status="written_off",
                closed_at=now,
            )  # fmt: skip
            continue
        changes[row.invoice_id] = replace(
            change,
            dunning_step=step,
            overdue_at=overdue_at,
            next_dunning_on=next_dunning_day(policy, row.due_date, step, today),
        )
    await uow.copy_rows(postings, write_offs)
    await store.save_changes(uow, today, list(changes.values()))
    await uow.emit_many(events)


def _notices(
    row: Any, d: _Decided, policy: DunningPolicy, now: datetime, delinquent: Money | None
) -> list[Message]:
    """The events of one invoice's dunning today, in the order they happen."""
    decision = d.decision
    money = Money(amount=d.balance, currency=row.currency)
    ids: dict[str, Any] = {
        "lead_id": row.lead_id,
        "account_id": row.account_id,
        "invoice_id": row.invoice_id,
    }
    found: list[Message] = []
    if decision.overdue:
        found.append(
            InvoiceOverdue(
                **ids,
                invoice_number=row.invoice_number,
                due_date=row.due_date,
                balance=money,
                days_past_due=decision.days_past_due,
                detected_at=now,
            )
        )
    if decision.notice is not None:
        step = policy.steps[decision.notice - 1]
        found.append(
            DunningNoticeSent(
                **ids,
                invoice_number=row.invoice_number,
                step=decision.notice,
                step_name=step.name,
                channel=step.channel,
                final=step.final,
                balance=money,
                days_past_due=decision.days_past_due,
                sent_at=now,
            )
        )
    if delinquent is not None:
        found.append(
            AccountDelinquent(
                **ids,
                invoice_number=row.invoice_number,
                overdue_balance=delinquent,
                delinquent_since=now,
            )
        )
    if decision.write_off:
        found.append(
            InvoiceWrittenOff(
                **ids,
                invoice_number=row.invoice_number,
                amount=money,
                days_past_due=decision.days_past_due,
                reason=f"uncollectible: {decision.days_past_due} days past due",
                written_off_at=now,
            )
        )
    return found
