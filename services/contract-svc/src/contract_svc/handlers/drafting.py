"""Drafting a contract from an accepted quote."""

from __future__ import annotations

from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from contract_svc.adapters.tables import (
    clause_templates,
    contract_clauses,
    contract_lines,
    contracts,
)
from contract_svc.domain.approvals import ApprovalStatus
from contract_svc.domain.lifecycle import ContractStatus
from contract_svc.domain.policy import standard_terms
from contract_svc.domain.term import contract_term
from contract_svc.domain.value import charged, total_contract_value
from contract_svc.handlers.approvals import start_approval_round
from contract_svc.handlers.records import line_values, load_policy
from l2c_runtime.errors import RuleViolation
from l2c_runtime.telemetry import current_traceparent
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import ContractDrafted, Money
from l2c_schemas.cpq import QuoteAccepted


async def draft_contract(accepted: QuoteAccepted, uow: UnitOfWork) -> UUID | None:
    """Draft the contract of an accepted quote: lines, usage rates, payment terms and trial
    from the quote, the other terms and the standard clauses from the policy. Payment terms
    beyond the policy start the approval chain. One contract per quote: when the quote already
    has one, nothing happens and None is returned."""
    _check_lines(accepted)
    policy = await load_policy(uow)
    terms = standard_terms(
        policy,
        accepted.payment_terms_days,
        accepted.trial_days,
        accepted.trial_requires_payment_method,
    )
    term = contract_term(accepted.accepted_at, accepted.term_months, accepted.billing_period)
    value = total_contract_value(
        (charged(line, accepted.billing_period) for line in accepted.lines),
        term.months,
        accepted.currency,
    )
    now = uow.clock.now()
    contract_id = uuid4()
    inserted = await uow.session.execute(
        pg_insert(contracts)
        .values(
            id=contract_id,
            quote_id=accepted.quote_id,
            opportunity_id=accepted.opportunity_id,
            lead_id=accepted.lead_id,
            account_id=accepted.account_id,
            customer_name=accepted.customer_name,
            status=ContractStatus.DRAFTED.value,
            currency=accepted.currency,
            start_date=term.start_date,
            end_date=term.end_date,
            term_months=term.months,
            term_number=1,
            term_start_date=term.start_date,
            billing_period=accepted.billing_period,
            payment_terms_days=terms.payment_terms_days,
            billing_timing=terms.billing_timing,
            auto_renew=terms.auto_renew,
            uplift_percent=terms.uplift_percent,
            renewal_notice_days=terms.renewal_notice_days,
            termination_notice_days=terms.termination_notice_days,
            automatic_countersignature=terms.automatic_countersignature,
            trial_days=terms.trial_days,
            trial_requires_payment_method=terms.trial_requires_payment_method,
            usage_rates=[rate.model_dump(mode="json") for rate in accepted.usage_rates],
            approval_status=ApprovalStatus.NOT_REQUIRED.value,
            total_contract_value=value,
            traceparent=current_traceparent(),
            drafted_at=now,
        )
        .on_conflict_do_nothing(index_elements=[contracts.c.quote_id])
        .returning(contracts.c.id)
    )
    if inserted.first() is None:
        return None
    await uow.session.execute(
        sa.insert(contract_lines),
        [line_values(contract_id, line) for line in accepted.lines],
    )
    await _attach_standard_clauses(contract_id, uow)
    approval = await start_approval_round(contract_id, terms, [], policy, uow)
    await uow.emit(
        ContractDrafted(
            lead_id=accepted.lead_id,
            account_id=accepted.account_id,
            contract_id=contract_id,
            quote_id=accepted.quote_id,
            opportunity_id=accepted.opportunity_id,
            start_date=term.start_date,
            end_date=term.end_date,
            total_contract_value=Money.of(value, accepted.currency),
            drafted_at=now,
            currency=accepted.currency,
            billing_period=accepted.billing_period,
            billing_timing=terms.billing_timing,
            payment_terms_days=terms.payment_terms_days,
            auto_renew=terms.auto_renew,
            uplift_percent=terms.uplift_percent,
            renewal_notice_days=terms.renewal_notice_days,
            approval_required=approval is ApprovalStatus.PENDING,
        )
    )
    return contract_id


async def _attach_standard_clauses(contract_id: UUID, uow: UnitOfWork) -> None:
    templates = (
        await uow.session.execute(
            sa.select(clause_templates)
            .where(clause_templates.c.included_by_default)
            .order_by(clause_templates.c.code)
        )
    ).all()
    if templates:
        await uow.session.execute(
            sa.insert(contract_clauses),
            [
                {
                    "contract_id": contract_id,
                    "clause_no": number,
                    "template_code": t.code,
                    "title": t.title,
                    "body": t.body,
                }
                for number, t in enumerate(templates, start=1)
            ],
        )


def _check_lines(accepted: QuoteAccepted) -> None:
    if not accepted.lines:
        raise RuleViolation(f"quote {accepted.quote_id} has no lines to contract")
    for line in accepted.lines:
        amounts = (line.unit_price, line.list_amount, line.discount_amount, line.net_amount)
        if any(m.currency != accepted.currency for m in amounts):
            raise RuleViolation(
                f"line {line.line_no} of quote {accepted.quote_id} is not in {accepted.currency}"
            )
