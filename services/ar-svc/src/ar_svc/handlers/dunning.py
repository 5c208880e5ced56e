"""Collections: the dunning job. On the days an open invoice has something due (due + 1,
then the day of its next step or of its write-off: `next_dunning_on`) it announces the invoice
overdue, sends the schedule's notices, makes the account delinquent at the final notice and
writes the invoice off per policy. Dunning stops when the invoice is paid (or voided): only
open receivables with a balance are looked at; and it pauses while the invoice has an open
dispute (it resumes, with the latest step due, once the dispute is resolved).

Every replica runs the job; each invoice is claimed with FOR UPDATE SKIP LOCKED and handled
in its own transaction. The dunning policy is `L2C_AR_DUNNING_POLICY` (JSON, see
`DunningPolicy.from_json`), else the default schedule."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ar_svc.adapters.ledger_store import load_ledger, save_postings, try_lock_account
from ar_svc.adapters.tables import delinquencies, disputes, receivables
from ar_svc.domain.dunning import (
    DEFAULT_POLICY,
    DunningDecision,
    DunningPolicy,
    decide_dunning,
    next_dunning_day,
)
from ar_svc.domain.ledger import Ledger
from l2c_runtime.jobs import periodic
from l2c_runtime.service import Runtime
from l2c_runtime.telemetry import journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import Money
from l2c_schemas.ar import AccountDelinquent, DunningNoticeSent, InvoiceOverdue, InvoiceWrittenOff

MAX_INVOICES_PER_PASS = 500


def dunning_policy() -> DunningPolicy:
    configured = os.environ.get("L2C_AR_DUNNING_POLICY")
    return DunningPolicy.from_json(configured) if configured else DEFAULT_POLICY


@periodic(5.0)
async def run_dunning(runtime: Runtime) -> None:
    """One pass over the invoices due for a dunning look today."""
    await dun_due_invoices(runtime.unit_of_work, dunning_policy())


async def dun_due_invoices(unit_of_work: Any, policy: DunningPolicy) -> int:
    """Handle every open invoice past its due date not yet looked at today; returns how many."""
    handled = 0
    busy: list[UUID] = []
    while handled < MAX_INVOICES_PER_PASS:
        async with unit_of_work() as uow:
            today = uow.clock.now().date()
            row = await _claim_one(uow, today, busy)
            if row is None:
                return handled
            if not await try_lock_account(uow, row.account_id):
                busy.append(row.invoice_id)  # a payment is changing the account; next pass
                continue
            await dun_invoice(uow, row, today, policy)
            handled += 1
    return handled


async def _claim_one(uow: UnitOfWork, today: date, busy: list[UUID]) -> Any:
    disputed = sa.exists().where(
        disputes.c.invoice_id == receivables.c.invoice_id, disputes.c.status == "open"
    )
    query = (
        sa.select(receivables)
        .where(
            receivables.c.status == "open",
            receivables.c.next_dunning_on <= today,
            ~disputed,  # an open dispute pauses dunning until it is resolved
        )
        .order_by(receivables.c.next_dunning_on)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if busy:
        query = query.where(receivables.c.invoice_id.not_in(busy))
    return (await uow.session.execute(query)).first()


async def dun_invoice(uow: UnitOfWork, row: Any, today: date, policy: DunningPolicy) -> None:
    """Decide and carry out today's dunning of one claimed receivable."""
    ledger = await load_ledger(uow, row.account_id, row.currency)
    balance = ledger.invoice_balance(row.invoice_id)
    decision = decide_dunning(
        policy, row.due_date, today, row.dunning_step, row.overdue_at is not None
    )
    changes: dict[str, Any] = {"dunning_checked_on": today, "next_dunning_on": None}
    if balance > 0:
        with journey_span("dunning", row.traceparent, {"l2c.lead_id": str(row.lead_id)}):
            changes |= await _act(uow, row, decision, balance, policy, ledger)
        if changes.get("status", "open") == "open":
            steps_sent = changes.get("dunning_step", row.dunning_step)
            changes["next_dunning_on"] = next_dunning_day(policy, row.due_date, steps_sent, today)
    await uow.session.execute(
        sa.update(receivables).where(receivables.c.invoice_id == row.invoice_id).values(**changes)
    )


async def _act(
    uow: UnitOfWork,
    row: Any,
    decision: DunningDecision,
    balance: Any,
    policy: DunningPolicy,
    ledger: Ledger,
) -> dict[str, Any]:
    now = uow.clock.now()
    money = Money(amount=balance, currency=row.currency)
    ids: dict[str, Any] = {
        "lead_id": row.lead_id,
        "account_id": row.account_id,
        "invoice_id": row.invoice_id,
    }
    changes: dict[str, Any] = {}
    if decision.overdue:
        await uow.emit(
            InvoiceOverdue(
                **ids,
                invoice_number=row.invoice_number,
                due_date=row.due_date,
                balance=money,
                days_past_due=decision.days_past_due,
                detected_at=now,
            )
        )
        changes["overdue_at"] = now
    if decision.notice is not None:
        step = policy.steps[decision.notice - 1]
        await uow.emit(
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
        changes["dunning_step"] = decision.notice
    if decision.delinquent:
        await _make_delinquent(uow, row, await _overdue_total(uow, row, ledger, now.date()), now)
    if decision.write_off:
        await save_postings(
            uow, row.account_id, row.currency, ledger.write_off(row.invoice_id), now
        )
        await uow.emit(
            InvoiceWrittenOff(
                **ids,
                invoice_number=row.invoice_number,
                amount=money,
                days_past_due=decision.days_past_due,
                reason=f"uncollectible: {decision.days_past_due} days past due",
                written_off_at=now,
            )
        )
        changes |= {"status": "written_off", "closed_at": now}
    return changes


async def _overdue_total(uow: UnitOfWork, row: Any, ledger: Ledger, today: date) -> Money:
    """What the account owes on all its invoices past due, in the invoice's currency."""
    overdue_ids = await uow.session.scalars(
        sa.select(receivables.c.invoice_id).where(
            receivables.c.account_id == row.account_id,
            receivables.c.currency == row.currency,
            receivables.c.status == "open",
            receivables.c.due_date < today,
        )
    )
    total = sum((ledger.invoice_balance(i) for i in overdue_ids), Decimal(0))
    return Money(amount=total, currency=row.currency)


async def _make_delinquent(uow: UnitOfWork, row: Any, overdue: Money, now: Any) -> None:
    """AccountDelinquent once, until the account is cleared by paying what is overdue."""
    became = await uow.session.execute(
        pg_insert(delinquencies)
        .values(account_id=row.account_id, invoice_id=row.invoice_id, since=now)
        .on_conflict_do_update(
            index_elements=["account_id"],
            set_={"invoice_id": row.invoice_id, "since": now, "cleared_at": None},
            where=delinquencies.c.cleared_at.is_not(None),
        )
        .returning(delinquencies.c.account_id)
    )
    if became.first() is None:
        return
    await uow.emit(
        AccountDelinquent(
            lead_id=row.lead_id,
            account_id=row.account_id,
            invoice_id=row.invoice_id,
            invoice_number=row.invoice_number,
            overdue_balance=overdue,
            delinquent_since=now,
        )
    )
