"""Terms, clauses and the approval chain of non-standard terms (legal, then finance)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa

from contract_svc.adapters.tables import clause_templates, contract_approvals, contract_clauses
from contract_svc.domain.approvals import (
    ApprovalStatus,
    StepState,
    chain_status,
    required_approvals,
    step_to_decide,
)
from contract_svc.domain.lifecycle import ContractStatus, check_terms_revisable
from contract_svc.domain.policy import ContractPolicy, ContractTerms
from contract_svc.handlers.records import (
    contract_span,
    load_policy,
    lock_contract,
    update_contract,
)
from l2c_runtime.auth import Principal
from l2c_runtime.auth.approvals import ensure_may_decide
from l2c_runtime.auth.context import current_caller
from l2c_runtime.errors import NotFound, RuleViolation
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.contract import ContractApproved


@dataclass(frozen=True)
class Approval:
    id: UUID
    round: int
    step_no: int
    role: str
    reason: str
    status: str
    requested_at: datetime
    requested_by: str | None
    """Whose change of terms asked for it (they may not approve it); None when drafting did."""
    decided_by: str | None
    comment: str | None
    decided_at: datetime | None


async def start_approval_round(
    contract_id: UUID,
    terms: ContractTerms,
    custom_clause_titles: list[str],
    policy: ContractPolicy,
    uow: UnitOfWork,
) -> ApprovalStatus:
    """Supersede pending approvals and ask for the ones the current terms need (if any).
    Decisions already taken stay in the trail as they were."""
    await uow.session.execute(
        sa.update(contract_approvals)
        .where(
            contract_approvals.c.contract_id == contract_id,
            contract_approvals.c.status == "pending",
        )
        .values(status="superseded")
    )
    steps = required_approvals(terms, custom_clause_titles, policy)
    status = ApprovalStatus.PENDING if steps else ApprovalStatus.NOT_REQUIRED
    if steps:
        last = (
            await uow.session.execute(
                sa.select(sa.func.coalesce(sa.func.max(contract_approvals.c.round), 0)).where(
                    contract_approvals.c.contract_id == contract_id
                )
            )
        ).scalar_one()
        now = uow.clock.now()
        caller = current_caller()
        await uow.session.execute(
            sa.insert(contract_approvals),
            [
                {
                    "id": uuid4(),
                    "contract_id": contract_id,
                    "round": last + 1,
                    "step_no": number,
                    "role": step.role,
                    "reason": step.reason,
                    "status": "pending",
                    "requested_at": now,
                    "requested_by": None if caller is None else caller.subject,
                }
                for number, step in enumerate(steps, start=1)
            ],
        )
    await update_contract(contract_id, uow, approval_status=status.value)
    return status


async def revise_terms(contract_id: UUID, changes: dict[str, Any], uow: UnitOfWork) -> None:
    """Change the terms of a draft; non-standard terms restart the approval chain."""
    record = await lock_contract(contract_id, uow)
    check_terms_revisable(ContractStatus(record.row["status"]))
    with contract_span("revise contract terms", record):
        terms = record.terms.revised(**changes)
        await update_contract(contract_id, uow, **vars(terms))
        custom = [c.title for c in record.clauses if c.custom]
        await start_approval_round(contract_id, terms, custom, await load_policy(uow), uow)


async def add_clause(
    contract_id: UUID,
    uow: UnitOfWork,
    template_code: str | None = None,
    title: str | None = None,
    body: str | None = None,
) -> int:
    """Add a clause to a draft: from the library (standard) or custom text (needs legal's
    approval). Returns the clause number."""
    record = await lock_contract(contract_id, uow)
    check_terms_revisable(ContractStatus(record.row["status"]))
    if template_code is not None:
        template = (
            await uow.session.execute(
                sa.select(clause_templates).where(clause_templates.c.code == template_code)
            )
        ).first()
        if template is None:
            raise NotFound(f"no clause template {template_code!r}")
        if any(c.template_code == template_code for c in record.clauses):
            raise RuleViolation(f"the contract already has clause {template_code!r}")
        title, body = template.title, template.body
    elif not title or not body:
        raise RuleViolation("a custom clause needs a title and a body")
    number = max((c.clause_no for c in record.clauses), default=0) + 1
    with contract_span("add contract clause", record):
        await uow.session.execute(
            sa.insert(contract_clauses).values(
                contract_id=contract_id,
                clause_no=number,
                template_code=template_code,
                title=title,
                body=body,
            )
        )
        custom = [c.title for c in record.clauses if c.custom]
        if template_code is None:
            custom.append(title)
            policy = await load_policy(uow)
            await start_approval_round(contract_id, record.terms, custom, policy, uow)
    return number


async def decide_approval(
    contract_id: UUID,
    step_no: int,
    approve: bool,
    approver: Principal,
    comment: str,
    uow: UnitOfWork,
) -> ApprovalStatus:
    """Approve or reject the current step of the chain, audited with actor and comment. The
    approver must hold the step's role and must not have asked for these terms (403)."""
    actor = approver.subject
    record = await lock_contract(contract_id, uow)
    check_terms_revisable(ContractStatus(record.row["status"]))
    chain = [a for a in await list_approvals(contract_id, uow) if a.status != "superseded"]
    current_round = max((a.round for a in chain), default=0)
    chain = [a for a in chain if a.round == current_round]
    states = [StepState(a.step_no, a.role, a.status) for a in chain]  # type: ignore[arg-type]
    decided = step_to_decide(states, step_no)
    requesters = [a.requested_by for a in chain if a.step_no == decided.step_no]
    ensure_may_decide(approver, decided.step_no, decided.role, "contract terms", requesters)
    now = uow.clock.now()
    with contract_span(f"{'approve' if approve else 'reject'} contract terms", record):
        await uow.session.execute(
            sa.update(contract_approvals)
            .where(
                contract_approvals.c.contract_id == contract_id,
                contract_approvals.c.round == current_round,
                contract_approvals.c.step_no == decided.step_no,
            )
            .values(
                status="approved" if approve else "rejected",
                decided_by=actor,
                comment=comment,
                decided_at=now,
            )
        )
        new_states = [
            StepState(s.step_no, s.role, ("approved" if approve else "rejected"))
            if s.step_no == decided.step_no
            else s
            for s in states
        ]
        status = chain_status(new_states)
        await update_contract(contract_id, uow, approval_status=status.value)
        if status is ApprovalStatus.APPROVED:
            approvers = [a.decided_by or "" for a in chain if a.step_no != decided.step_no]
            await uow.emit(
                ContractApproved(
                    lead_id=record.row["lead_id"],
                    account_id=record.row["account_id"],
                    contract_id=contract_id,
                    approved_by=[*approvers, actor],
                    approved_at=now,
                )
            )
    return status


async def list_approvals(contract_id: UUID, uow: UnitOfWork) -> list[Approval]:
    """Every approval asked for on the contract, decided or not: the audit trail."""
    rows = await uow.session.execute(
        sa.select(contract_approvals)
        .where(contract_approvals.c.contract_id == contract_id)
        .order_by(contract_approvals.c.round, contract_approvals.c.step_no)
    )
    return [
        Approval(
            id=r.id,
            round=r.round,
            step_no=r.step_no,
            role=r.role,
            reason=r.reason,
            status=r.status,
            requested_at=r.requested_at,
            requested_by=r.requested_by,
            decided_by=r.decided_by,
            comment=r.comment,
            decided_at=r.decided_at,
        )
        for r in rows
    ]
