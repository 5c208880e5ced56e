"""Contracts: queries and signatures."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from contract_svc import handlers
from contract_svc.api.views import ContractView, contract_view
from l2c_runtime.audit import record_action
from l2c_runtime.auth import require
from l2c_runtime.service import Runtime, runtime_of
from l2c_runtime.unit_of_work import UnitOfWork

router = APIRouter(prefix="/contracts", tags=["contracts"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]

SIGNER = Field(
    min_length=3,
    max_length=320,
    pattern=r"^[^<>]+ <[^<>\s@]+@[^<>\s@]+>$",
    examples=["Dana Scully <dana@example.com>"],
    description='Who signed: "name <email>".',
)


class Signature(BaseModel):
    signed_by: str = SIGNER


async def current_view(contract_id: UUID, uow: UnitOfWork) -> ContractView:
    record = await handlers.find_contract(contract_id, uow)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no contract {contract_id}")
    return contract_view(record, await handlers.signatures_of(contract_id, uow))


@router.get("", response_model=list[ContractView], dependencies=[require("contracts:read")])
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
        return [contract_view(r, await handlers.signatures_of(r.id, uow)) for r in records]


@router.get("/{contract_id}", response_model=ContractView, dependencies=[require("contracts:read")])
async def get_contract(contract_id: UUID, runtime: RuntimeDep) -> ContractView:
    async with runtime.unit_of_work() as uow:
        return await current_view(contract_id, uow)


@router.post(
    "/{contract_id}/sign", response_model=ContractView, dependencies=[require("contracts:sign")]
)
async def sign_contract(
    contract_id: UUID, signature: Signature, runtime: RuntimeDep
) -> ContractView:
    """The customer signed. With the default policy the company countersigns automatically:
    the contract becomes signed and its order is placed (ContractSigned, OrderPlaced). 409
    when it is not a draft or its non-standard terms await approval."""
    async with runtime.unit_of_work() as uow:
        await handlers.sign_contract(contract_id, signature.signed_by, uow)
        await record_action(
            uow, "contract.sign", "contract", contract_id, {"signed_by": signature.signed_by}
        )
    async with runtime.unit_of_work() as uow:
        return await current_view(contract_id, uow)


@router.post(
    "/{contract_id}/countersign",
    response_model=ContractView,
    dependencies=[require("contracts:countersign")],
)
async def countersign_contract(
    contract_id: UUID, signature: Signature, runtime: RuntimeDep
) -> ContractView:
    """A company signatory countersigns a contract the customer signed; places the order."""
    async with runtime.unit_of_work() as uow:
        await handlers.countersign_contract(contract_id, signature.signed_by, uow)
        await record_action(
            uow, "contract.countersign", "contract", contract_id, {"signed_by": signature.signed_by}
        )
    async with runtime.unit_of_work() as uow:
        return await current_view(contract_id, uow)
