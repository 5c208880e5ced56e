"""contract-svc's HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from contract_svc import handlers
from contract_svc.handlers import ContractRecord
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas import Money, PricedLine

router = APIRouter(prefix="/contracts", tags=["contracts"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class Signature(BaseModel):
    signed_by: str = Field(
        min_length=3,
        max_length=320,
        pattern=r"^[^<>]+ <[^<>\s@]+@[^<>\s@]+>$",
        examples=["Dana Scully <dana@example.com>"],
        description='Who signed for the customer: "name <email>".',
    )


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
    billing_period: str
    payment_terms_days: int
    total_contract_value: Money
    lines: list[PricedLine]
    signed_by: str | None
    signed_at: datetime | None
    drafted_at: datetime
    order_id: UUID | None


def _view(record: ContractRecord) -> ContractView:
    row = record.row
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
        billing_period=row["billing_period"],
        payment_terms_days=row["payment_terms_days"],
        total_contract_value=Money.of(row["total_contract_value"], row["currency"]),
        lines=record.lines,
        signed_by=row["signed_by"],
        signed_at=row["signed_at"],
        drafted_at=row["drafted_at"],
        order_id=record.order_id,
    )


@router.get("", response_model=list[ContractView])
async def list_contracts(
    runtime: RuntimeDep,
    opportunity_id: Annotated[UUID | None, Query()] = None,
    quote_id: Annotated[UUID | None, Query()] = None,
) -> list[ContractView]:
    """Contracts of an opportunity or of a quote (at least one filter is required)."""
    if opportunity_id is None and quote_id is None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY, "filter by opportunity_id or quote_id"
        )
    async with runtime.unit_of_work() as uow:
        records = await handlers.list_contracts(uow, opportunity_id, quote_id)
    return [_view(r) for r in records]


@router.get("/{contract_id}", response_model=ContractView)
async def get_contract(contract_id: UUID, runtime: RuntimeDep) -> ContractView:
    async with runtime.unit_of_work() as uow:
        record = await handlers.find_contract(contract_id, uow)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no contract {contract_id}")
    return _view(record)


@router.post("/{contract_id}/sign", response_model=ContractView)
async def sign_contract(
    contract_id: UUID, signature: Signature, runtime: RuntimeDep
) -> ContractView:
    """The customer signed: the contract becomes signed and its order is placed (409 when it
    was signed before)."""
    async with runtime.unit_of_work() as uow:
        await handlers.sign_contract(contract_id, signature.signed_by, uow)
        record = await handlers.find_contract(contract_id, uow)
    assert record is not None
    return _view(record)
