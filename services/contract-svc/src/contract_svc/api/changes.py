"""Changing contracts: terms, clauses and their approval, amendments, renewal, termination."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from annotated_types import Ge, Le
from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field, model_validator

from contract_svc import handlers
from contract_svc.api.contracts import current_view
from contract_svc.api.views import ApprovalView, ContractView, approval_view
from contract_svc.domain.amendment import LineChange
from l2c_runtime.audit import record_action
from l2c_runtime.auth import Principal, require
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas.cpq import MAX_TRIAL_DAYS, BillingPeriod, PricedLine
from l2c_schemas.money import DecimalBounds, DecimalStr, Percent
from l2c_schemas.text import BoundedModel

router = APIRouter(prefix="/contracts", tags=["contract changes"])


def given(model: BaseModel) -> dict[str, Any]:
    """The fields a request sets, as Python values (decimals stay Decimal)."""
    return {name: value for name, value in model if value is not None}


RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
StepNo = Annotated[int, Path(ge=1, le=100)]
ContractPercent = Annotated[Percent, Ge(0), Le(100)]
"""A percentage of a contract's terms: NUMERIC(7,4)."""


class TermsChange(BoundedModel):
    """Negotiated terms of a draft; only the fields given change."""

    payment_terms_days: int | None = Field(default=None, ge=0, le=365)
    billing_timing: Literal["in_advance", "in_arrears"] | None = None
    auto_renew: bool | None = None
    uplift_percent: ContractPercent | None = None
    renewal_notice_days: int | None = Field(default=None, ge=0, le=365)
    termination_notice_days: int | None = Field(default=None, ge=0, le=365)
    automatic_countersignature: bool | None = None
    trial_days: int | None = Field(default=None, ge=0, le=MAX_TRIAL_DAYS)
    """Free days from the contract's start (0: no trial)."""
    trial_requires_payment_method: bool | None = None


class ClauseRequest(BoundedModel):
    """A clause from the library (`template_code`) or custom text (`title` and `body`)."""

    template_code: str | None = Field(default=None, min_length=1, max_length=64)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, min_length=1, max_length=20000)

    @model_validator(mode="after")
    def _one_kind(self) -> ClauseRequest:
        if (self.template_code is None) == (self.title is None or self.body is None):
            raise ValueError("give either template_code, or title and body")
        return self


class Decision(BoundedModel):
    """The approver is the caller (their token), never a name in the body."""

    comment: str = Field(default="", max_length=2000)


class LineChangeRequest(BoundedModel):
    product_code: str = Field(min_length=1, max_length=100)
    quantity: Annotated[DecimalStr, DecimalBounds(9, 4), Ge(0)]
    """New quantity; 0 removes the product."""
    description: str | None = Field(default=None, max_length=500)
    charge: Literal["recurring", "one_time"] | None = None
    billing_period: BillingPeriod | None = None
    unit_price: Annotated[DecimalStr, DecimalBounds(6, 4), Ge(0)] | None = None
    discount_percent: Annotated[Percent, Ge(0), Le(100)] = Decimal(0)


class AmendmentRequest(BoundedModel):
    effective_date: date
    lines: list[LineChangeRequest] = Field(min_length=1, max_length=200)
    reason: str = Field(default="", max_length=2000)


class AmendmentCreated(BaseModel):
    amendment_id: UUID
    contract: ContractView


class AmendmentView(BaseModel):
    amendment_id: UUID
    effective_date: date
    reason: str
    lines: list[PricedLine]
    amended_at: datetime


class TerminationRequest(BoundedModel):
    reason: str = Field(min_length=1, max_length=2000)
    effective_date: date | None = None
    """Last day of service; by default the end of the current term."""


@router.patch(
    "/{contract_id}/terms", response_model=ContractView, dependencies=[require("contracts:write")]
)
async def revise_terms(contract_id: UUID, change: TermsChange, runtime: RuntimeDep) -> ContractView:
    """Change a draft's terms. Payment terms beyond the policy need finance's approval."""
    async with runtime.unit_of_work() as uow:
        await handlers.revise_terms(contract_id, given(change), uow)
        await record_action(uow, "contract.terms.revise", "contract", contract_id, given(change))
    async with runtime.unit_of_work() as uow:
        return await current_view(contract_id, uow)


@router.post(
    "/{contract_id}/clauses",
    response_model=ContractView,
    status_code=201,
    dependencies=[require("contracts:write")],
)
async def add_clause(contract_id: UUID, clause: ClauseRequest, runtime: RuntimeDep) -> ContractView:
    """Add a library clause, or a custom one (which needs legal's approval)."""
    async with runtime.unit_of_work() as uow:
        await handlers.add_clause(contract_id, uow, clause.template_code, clause.title, clause.body)
        await record_action(
            uow, "contract.clause.add", "contract", contract_id, clause.model_dump()
        )
    async with runtime.unit_of_work() as uow:
        return await current_view(contract_id, uow)


@router.get(
    "/{contract_id}/approvals",
    response_model=list[ApprovalView],
    dependencies=[require("contracts:read")],
)
async def list_approvals(contract_id: UUID, runtime: RuntimeDep) -> list[ApprovalView]:
    """The approval trail: every step asked for, with who decided, when and why."""
    async with runtime.unit_of_work() as uow:
        await current_view(contract_id, uow)
        return [approval_view(a) for a in await handlers.list_approvals(contract_id, uow)]


@router.post(
    "/{contract_id}/approvals/{step_no}/approve",
    response_model=ContractView,
)
async def approve(
    contract_id: UUID,
    step_no: StepNo,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("contracts:approve")],
    decision: Decision | None = None,
) -> ContractView:
    decision = decision or Decision()
    async with runtime.unit_of_work() as uow:
        await handlers.decide_approval(contract_id, step_no, True, caller, decision.comment, uow)
        await record_action(
            uow,
            "contract.approval.approve",
            "contract",
            contract_id,
            {"step_no": step_no, "comment": decision.comment},
        )
    async with runtime.unit_of_work() as uow:
        return await current_view(contract_id, uow)


@router.post(
    "/{contract_id}/approvals/{step_no}/reject",
    response_model=ContractView,
)
async def reject(
    contract_id: UUID,
    step_no: StepNo,
    runtime: RuntimeDep,
    caller: Annotated[Principal, require("contracts:approve")],
    decision: Decision | None = None,
) -> ContractView:
    decision = decision or Decision()
    async with runtime.unit_of_work() as uow:
        await handlers.decide_approval(contract_id, step_no, False, caller, decision.comment, uow)
        await record_action(
            uow,
            "contract.approval.reject",
            "contract",
            contract_id,
            {"step_no": step_no, "comment": decision.comment},
        )
    async with runtime.unit_of_work() as uow:
        return await current_view(contract_id, uow)


@router.post(
    "/{contract_id}/amendments",
    response_model=AmendmentCreated,
    status_code=201,
    dependencies=[require("contracts:write")],
)
async def amend(
    contract_id: UUID, request: AmendmentRequest, runtime: RuntimeDep
) -> AmendmentCreated:
    """Mid-term upsell or downsell from `effective_date` (ContractAmended; billing prorates)."""
    changes = [
        LineChange(
            product_code=line.product_code,
            quantity=line.quantity,
            description=line.description,
            charge=line.charge,
            billing_period=line.billing_period,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
        )
        for line in request.lines
    ]
    async with runtime.unit_of_work() as uow:
        amendment_id = await handlers.amend_contract(
            contract_id, request.effective_date, changes, request.reason, uow
        )
    async with runtime.unit_of_work() as uow:
        return AmendmentCreated(
            amendment_id=amendment_id, contract=await current_view(contract_id, uow)
        )


@router.get(
    "/{contract_id}/amendments",
    response_model=list[AmendmentView],
    dependencies=[require("contracts:read")],
)
async def list_amendments(contract_id: UUID, runtime: RuntimeDep) -> list[AmendmentView]:
    """The contract's amendments, oldest first."""
    async with runtime.unit_of_work() as uow:
        await current_view(contract_id, uow)
        found = await handlers.list_amendments(contract_id, uow)
    return [
        AmendmentView(
            amendment_id=a["id"],
            effective_date=a["effective_date"],
            reason=a["reason"],
            lines=a["lines"],
            amended_at=a["amended_at"],
        )
        for a in found
    ]


@router.post(
    "/{contract_id}/renew", response_model=ContractView, dependencies=[require("contracts:write")]
)
async def renew(contract_id: UUID, runtime: RuntimeDep) -> ContractView:
    """The customer accepted the renewal: the next term at uplifted prices (ContractRenewed).
    Accepted from the renewal notice date to the term's last day."""
    async with runtime.unit_of_work() as uow:
        await handlers.renew_contract(contract_id, uow)
    async with runtime.unit_of_work() as uow:
        return await current_view(contract_id, uow)


@router.post(
    "/{contract_id}/terminate",
    response_model=ContractView,
    dependencies=[require("contracts:write")],
)
async def terminate(
    contract_id: UUID, request: TerminationRequest, runtime: RuntimeDep
) -> ContractView:
    """Give notice (ContractTerminated). The notice period of the contract applies."""
    async with runtime.unit_of_work() as uow:
        await handlers.terminate_contract(contract_id, request.reason, request.effective_date, uow)
        await record_action(
            uow, "contract.terminate", "contract", contract_id, request.model_dump(mode="json")
        )
    async with runtime.unit_of_work() as uow:
        return await current_view(contract_id, uow)
