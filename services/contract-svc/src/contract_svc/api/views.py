"""What the API shows of contracts, orders and approvals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from contract_svc.handlers import Approval, ContractRecord
from l2c_schemas import Money, PricedLine
from l2c_schemas.cpq import UsageRate


class ClauseView(BaseModel):
    clause_no: int
    template_code: str | None
    title: str
    body: str
    custom: bool


class SignatureView(BaseModel):
    party: str
    signer: str
    signed_at: datetime
    channel: str
    ip_address: str | None
    document_hash: str
    envelope_id: str | None


class ContractView(BaseModel):
    contract_id: UUID
    quote_id: UUID
    opportunity_id: UUID
    lead_id: UUID
    account_id: UUID
    customer_name: str
    status: str
    currency: str
    start_date: date
    end_date: date
    term_months: int
    term_number: int
    term_start_date: date
    billing_period: str
    billing_timing: str
    payment_terms_days: int
    auto_renew: bool
    uplift_percent: Decimal
    renewal_notice_days: int
    termination_notice_days: int
    automatic_countersignature: bool
    trial_days: int
    trial_requires_payment_method: bool
    approval_status: str
    total_contract_value: Money
    lines: list[PricedLine]
    usage_rates: list[UsageRate] = []
    """The accepted quote's usage prices; the order carries them to billing."""
    clauses: list[ClauseView]
    signatures: list[SignatureView]
    document_hash: str
    signed_by: str | None
    signed_at: datetime | None
    countersigned_by: str | None
    countersigned_at: datetime | None
    activated_at: datetime | None
    terminated_at: datetime | None
    termination_effective_date: date | None
    termination_reason: str | None
    drafted_at: datetime
    order_id: UUID | None


def contract_view(record: ContractRecord, signatures: list[dict[str, Any]]) -> ContractView:
    row = record.row
    terms = record.terms
    return ContractView(
        contract_id=row["id"],
        quote_id=row["quote_id"],
        opportunity_id=row["opportunity_id"],
        lead_id=row["lead_id"],
        account_id=row["account_id"],
        customer_name=row["customer_name"],
        status=row["status"],
        currency=row["currency"],
        start_date=row["start_date"],
        end_date=row["end_date"],
        term_months=row["term_months"],
        term_number=row["term_number"],
        term_start_date=row["term_start_date"],
        billing_period=row["billing_period"],
        billing_timing=terms.billing_timing,
        payment_terms_days=terms.payment_terms_days,
        auto_renew=terms.auto_renew,
        uplift_percent=terms.uplift_percent,
        renewal_notice_days=terms.renewal_notice_days,
        termination_notice_days=terms.termination_notice_days,
        automatic_countersignature=terms.automatic_countersignature,
        trial_days=terms.trial_days,
        trial_requires_payment_method=terms.trial_requires_payment_method,
        approval_status=row["approval_status"],
        total_contract_value=Money.of(row["total_contract_value"], row["currency"]),
        lines=record.lines,
        usage_rates=record.usage_rates,
        clauses=[
            ClauseView(
                clause_no=c.clause_no,
                template_code=c.template_code,
                title=c.title,
                body=c.body,
                custom=c.custom,
            )
            for c in record.clauses
        ],
        signatures=[SignatureView.model_validate(s) for s in signatures],
        document_hash=record.document_hash,
        signed_by=row["signed_by"],
        signed_at=row["signed_at"],
        countersigned_by=row["countersigned_by"],
        countersigned_at=row["countersigned_at"],
        activated_at=row["activated_at"],
        terminated_at=row["terminated_at"],
        termination_effective_date=row["termination_effective_date"],
        termination_reason=row["termination_reason"],
        drafted_at=row["drafted_at"],
        order_id=record.order_id,
    )


class ApprovalView(BaseModel):
    round: int
    step_no: int
    role: str
    reason: str
    status: str
    requested_at: datetime
    decided_by: str | None
    comment: str | None
    decided_at: datetime | None


def approval_view(approval: Approval) -> ApprovalView:
    return ApprovalView.model_validate(approval, from_attributes=True)


class OrderView(BaseModel):
    order_id: UUID
    contract_id: UUID
    status: str
    attempt: int
    last_failure: str | None
    placed_at: datetime
    provisioned_at: datetime | None
    updated_at: datetime | None


def order_view(order: dict[str, Any]) -> OrderView:
    return OrderView(order_id=order["id"], **{k: v for k, v in order.items() if k != "id"})
