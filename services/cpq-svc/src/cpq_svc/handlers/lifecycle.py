"""cpq-svc's use cases after a quote is priced: approvals, sending, acceptance, rejection and
expiry — load, decide, save, emit — in the caller's unit of work."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import sqlalchemy as sa

from cpq_svc.adapters.quote_store import Quote, find_quote
from cpq_svc.adapters.tables import approval_audit, quote_approvals, quotes
from cpq_svc.domain.approvals import ensure_decidable, pending_reason
from cpq_svc.domain.quotes import (
    OPEN,
    ensure_acceptable,
    ensure_rejectable,
    ensure_sendable,
    is_expired,
)
from cpq_svc.handlers.quotes import journey, request_approval
from l2c_runtime.auth import Principal
from l2c_runtime.auth.approvals import ensure_may_decide
from l2c_runtime.errors import Conflict, NotFound
from l2c_runtime.telemetry import journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import QuoteAccepted
from l2c_schemas.cpq import (
    ApprovalDecision,
    QuoteApproved,
    QuoteExpired,
    QuoteRejected,
    QuoteSent,
)


async def _load(quote_id: UUID, uow: UnitOfWork) -> Quote:
    quote = await find_quote(quote_id, uow, for_update=True)
    if quote is None:
        raise NotFound(f"no quote {quote_id}")
    return quote


def _ensure_nothing_pending(quote: Quote, action: str) -> None:
    reason = pending_reason(quote.chain)
    if reason is not None:
        raise Conflict(f"the quote cannot be {action}: {reason}")


def _event_ids(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "lead_id": row["lead_id"],
        "account_id": row["account_id"],
        "quote_id": row["id"],
        "opportunity_id": row["opportunity_id"],
        "version": row["version"],
    }


async def decide_approval(
    quote_id: UUID,
    step_no: int,
    approve: bool,
    approver: Principal,
    comment: str | None,
    uow: UnitOfWork,
) -> None:
    """An approver decides step `step_no` of the quote's chain, in order. The last approval
    makes the quote approved; a rejection rejects the quote (revise it to try again). The
    approver must hold the step's role and must not own or have created the quote (403)."""
    quote = await _load(quote_id, uow)
    row = quote.row
    actor = approver.subject
    with journey_span("decide quote approval", row["traceparent"], journey(row)):
        if row["status"] != "pending_approval":
            raise Conflict(f"the quote is {row['status']}, not waiting for approval")
        step = ensure_decidable(step_no, quote.chain)
        ensure_may_decide(approver, step_no, step.role, "quote", (row["owner"], row["created_by"]))
        now = uow.clock.now()
        decision = "approved" if approve else "rejected"
        await uow.session.execute(
            sa.update(quote_approvals)
            .where(quote_approvals.c.quote_id == quote_id, quote_approvals.c.step_no == step_no)
            .values(status=decision, actor=actor, comment=comment, decided_at=now)
        )
        await uow.session.execute(
            sa.insert(approval_audit).values(
                quote_id=quote_id,
                step_no=step_no,
                role=step.role,
                decision=decision,
                actor=actor,
                comment=comment,
                decided_at=now,
            )
        )
        if not approve:
            await uow.session.execute(
                sa.update(quotes)
                .where(quotes.c.id == quote_id)
                .values(status="rejected", rejected_at=now)
            )
            await uow.emit(
                QuoteRejected(
                    **_event_ids(row),
                    rejected_by=actor,
                    role=step.role,
                    reason=comment,
                    rejected_at=now,
                )
            )
            return
        remaining = [a for a in quote.approvals if a["step_no"] > step_no]
        if remaining:
            following = remaining[0]
            await request_approval(
                row, following["step_no"], following["role"], following["threshold_percent"], uow
            )
            return
        await uow.session.execute(
            sa.update(quotes)
            .where(quotes.c.id == quote_id)
            .values(status="approved", approved_at=now)
        )
        decided = [
            ApprovalDecision(
                step_no=a["step_no"],
                role=a["role"],
                actor=a["actor"],
                comment=a["comment"],
                decided_at=a["decided_at"],
            )
            for a in quote.approvals
            if a["step_no"] < step_no
        ]
        decided.append(
            ApprovalDecision(
                step_no=step_no, role=step.role, actor=actor, comment=comment, decided_at=now
            )
        )
        await uow.emit(
            QuoteApproved(
                **_event_ids(row),
                discount_percent=row["discretionary_percent"],
                approvals=decided,
                approved_at=now,
            )
        )


async def send_quote(quote_id: UUID, uow: UnitOfWork) -> None:
    """Send the quote to the customer: a draft within policy, or an approved quote."""
    quote = await _load(quote_id, uow)
    row = quote.row
    with journey_span("send quote", row["traceparent"], journey(row)):
        now = uow.clock.now()
        ensure_sendable(row["status"], row["valid_until"], now.date())
        _ensure_nothing_pending(quote, "sent")
        await uow.session.execute(
            sa.update(quotes).where(quotes.c.id == quote_id).values(status="sent", sent_at=now)
        )
        await uow.emit(
            QuoteSent(
                **_event_ids(row),
                totals=quote.totals,
                valid_until=row["valid_until"],
                sent_at=now,
            )
        )


async def accept_quote(quote_id: UUID, uow: UnitOfWork) -> None:
    """The customer accepts the quote (draft within policy, approved or sent) while it is valid
    and no approval is pending: its lines, terms and totals become final."""
    quote = await _load(quote_id, uow)
    row = quote.row
    with journey_span("accept quote", row["traceparent"], journey(row)):
        now = uow.clock.now()
        ensure_acceptable(row["status"], row["valid_until"], now.date())
        _ensure_nothing_pending(quote, "accepted")
        await uow.session.execute(
            sa.update(quotes)
            .where(quotes.c.id == quote_id)
            .values(status="accepted", accepted_at=now)
        )
        await uow.emit(
            QuoteAccepted(
                lead_id=row["lead_id"],
                account_id=row["account_id"],
                quote_id=quote_id,
                opportunity_id=row["opportunity_id"],
                customer_name=row["account_name"],
                version=row["version"],
                currency=row["currency"],
                term_months=row["term_months"],
                billing_period=row["billing_period"],
                payment_terms_days=row["payment_terms_days"],
                lines=quote.lines,
                totals=quote.totals,
                accepted_at=now,
                usage_rates=quote.usage_rates,
                waterfalls=quote.waterfalls,
                valid_until=row["valid_until"],
                trial_days=row["trial_days"],
                trial_requires_payment_method=row["trial_requires_payment_method"],
            )
        )


async def reject_quote(quote_id: UUID, actor: str, reason: str | None, uow: UnitOfWork) -> None:
    """The customer declines the quote."""
    quote = await _load(quote_id, uow)
    row = quote.row
    with journey_span("reject quote", row["traceparent"], journey(row)):
        ensure_rejectable(row["status"])
        now = uow.clock.now()
        await uow.session.execute(
            sa.update(quotes)
            .where(quotes.c.id == quote_id)
            .values(status="rejected", rejected_at=now)
        )
        await uow.emit(
            QuoteRejected(
                **_event_ids(row),
                rejected_by=actor,
                role="customer",
                reason=reason,
                rejected_at=now,
            )
        )


async def expire_due_quotes(uow: UnitOfWork, batch: int = 100) -> int:
    """Expire open quotes whose validity ended before today; claimed with FOR UPDATE SKIP
    LOCKED so replicas share the work. Returns how many expired."""
    now = uow.clock.now()
    due = await uow.session.execute(
        sa.select(quotes)
        .where(quotes.c.status.in_(sorted(OPEN)), quotes.c.valid_until < now.date())
        .order_by(quotes.c.valid_until)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    count = 0
    for found in due:
        row = dict(found._mapping)
        if not is_expired(row["status"], row["valid_until"], now.date()):
            continue
        with journey_span("expire quote", row["traceparent"], journey(row)):
            await uow.session.execute(
                sa.update(quotes)
                .where(quotes.c.id == row["id"])
                .values(status="expired", expired_at=now)
            )
            await uow.emit(
                QuoteExpired(**_event_ids(row), valid_until=row["valid_until"], expired_at=now)
            )
        count += 1
    return count
