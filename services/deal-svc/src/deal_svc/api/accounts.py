"""Accounts: the customer with its contacts and its deals."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Response, status
from pydantic import BaseModel, EmailStr, Field

from deal_svc.adapters import queries
from deal_svc.api.views import OpportunityView, RuntimeDep, opportunity_view
from deal_svc.handlers import accounts as handlers
from l2c_runtime.auth import require
from l2c_runtime.http.params import MAX_OFFSET, MAX_PAGE
from l2c_schemas.text import BoundedModel

router = APIRouter(prefix="/accounts", tags=["accounts"])


class ContactView(BaseModel):
    contact_id: UUID
    full_name: str
    email: str | None
    title: str | None
    phone: str | None
    role: str | None
    is_primary: bool
    lead_id: UUID | None
    """The lead this person came from, if any."""
    created_at: datetime
    erased_at: datetime | None


class AccountView(BaseModel):
    account_id: UUID
    name: str
    lead_id: UUID
    """The lead whose journey brought this customer."""
    created_at: datetime
    contacts: list[ContactView]
    opportunities: list[OpportunityView]


class AccountSummary(BaseModel):
    account_id: UUID
    name: str
    lead_id: UUID
    created_at: datetime
    open_deals: int


class NewContact(BoundedModel):
    full_name: str = Field(min_length=1, max_length=200, examples=["Charles Babbage"])
    email: EmailStr | None = None
    title: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=50)
    role: str | None = Field(default=None, max_length=100, examples=["economic buyer"])
    is_primary: bool = False


def _contact_view(row: dict[str, Any]) -> ContactView:
    fields = {k: row[k] for k in ContactView.model_fields if k != "contact_id"}
    return ContactView(contact_id=row["id"], **fields)


async def _account(account_id: UUID, runtime: RuntimeDep) -> AccountView:
    async with runtime.unit_of_work() as uow:
        account = await handlers.find_account(account_id, uow)
        deals = await queries.account_opportunities(account_id, uow)
    if account is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no account {account_id}")
    return AccountView(
        account_id=account["id"],
        name=account["name"],
        lead_id=account["lead_id"],
        created_at=account["created_at"],
        contacts=[_contact_view(c) for c in account["contacts"]],
        opportunities=[opportunity_view(d) for d in deals],
    )


@router.get("", response_model=list[AccountSummary], dependencies=[require("accounts:read")])
async def list_accounts(
    runtime: RuntimeDep,
    response: Response,
    name: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[AccountSummary]:
    """Accounts by name (`name` matches any part, ignoring case), one page of `limit` from
    `offset`; the header X-Total-Count tells how many match in all."""
    async with runtime.unit_of_work() as uow:
        rows, total = await queries.list_accounts(uow, name, limit, offset)
    response.headers["X-Total-Count"] = str(total)
    return [
        AccountSummary(
            account_id=row["id"],
            name=row["name"],
            lead_id=row["lead_id"],
            created_at=row["created_at"],
            open_deals=row["open_deals"],
        )
        for row in rows
    ]


@router.get("/{account_id}", response_model=AccountView, dependencies=[require("accounts:read")])
async def get_account(account_id: UUID, runtime: RuntimeDep) -> AccountView:
    """The account with its contacts (primary first) and its opportunities (newest first)."""
    return await _account(account_id, runtime)


@router.post(
    "/{account_id}/contacts",
    response_model=AccountView,
    status_code=status.HTTP_201_CREATED,
    dependencies=[require("accounts:write")],
)
async def add_contact(account_id: UUID, contact: NewContact, runtime: RuntimeDep) -> AccountView:
    """Add a person at the customer; a new primary contact takes over from the old one."""
    async with runtime.unit_of_work() as uow:
        await handlers.add_contact(account_id, uow, **contact.model_dump())
    return await _account(account_id, runtime)
