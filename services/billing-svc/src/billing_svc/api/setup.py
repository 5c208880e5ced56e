"""billing-svc's configuration and finance API: tax rates, usage plans, credit notes,
revenue schedules and the deferred-revenue waterfall."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from annotated_types import Ge, Gt, Le
from fastapi import APIRouter, Depends, Path, Query
from pydantic import Field, model_validator

from billing_svc.adapters import setup_store
from billing_svc.handlers import invoices as handlers
from billing_svc.handlers.revenue import deferred_revenue
from l2c_runtime.audit import record_action
from l2c_runtime.auth import require
from l2c_runtime.errors import RuleViolation
from l2c_runtime.http.params import CodePath, PageDep
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas.money import CurrencyCode, DecimalBounds, DecimalStr, Quantity, Rate
from l2c_schemas.text import BoundedModel

router = APIRouter(tags=["billing setup and finance"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
JURISDICTION = r"^[A-Z0-9][A-Z0-9-]{1,19}$"
"""ISO 3166 country (DE) or subdivision (US-CA), or a name of the operator's choosing."""
JurisdictionPath = Annotated[str, Path(pattern=JURISDICTION)]
MetricPath = CodePath
UnitPrice = Annotated[DecimalStr, DecimalBounds(14, 4)]
"""A price per unit: NUMERIC(18,4)."""


class TaxRate(BoundedModel):
    rate: Annotated[Rate, Ge(0), Le(1)]
    """A fraction: 0.19 is 19 %."""
    name: str = Field(min_length=1, max_length=100)


class TaxJurisdiction(BoundedModel):
    jurisdiction: str = Field(min_length=2, max_length=20, pattern=JURISDICTION)


class TierIn(BoundedModel):
    up_to: Quantity | None = None
    unit_price: Annotated[UnitPrice, Ge(0)]
    flat_fee: Annotated[UnitPrice, Ge(0)] = Decimal(0)


class UsagePlanIn(BoundedModel):
    currency: CurrencyCode
    product_code: str = Field(min_length=1, max_length=50)
    description: str = Field(min_length=1, max_length=200)
    aggregation: Literal["sum", "count", "max", "unique_count", "latest"]
    model: Literal["tiered", "volume", "package"]
    tiers: list[TierIn] = Field(default_factory=list, max_length=100)
    package_size: Annotated[Quantity, Gt(0)] = Decimal(1)
    package_price: Annotated[UnitPrice, Ge(0)] = Decimal(0)

    @model_validator(mode="after")
    def _tiers_fit_the_model(self) -> UsagePlanIn:
        if self.model != "package":
            if not self.tiers or self.tiers[-1].up_to is not None:
                raise ValueError("tiered and volume plans need tiers ending with an open one")
            bounds = [t.up_to for t in self.tiers[:-1]]
            if any(b is None for b in bounds) or bounds != sorted(bounds):  # type: ignore[type-var]
                raise ValueError("tier bounds must rise, only the last tier is open-ended")
        return self


@router.put("/tax-rates/{jurisdiction}", dependencies=[require("billing-setup:write")])
async def set_tax_rate(
    jurisdiction: JurisdictionPath, body: TaxRate, runtime: RuntimeDep
) -> dict[str, Any]:
    """Configure the rate of a jurisdiction (e.g. DE 0.19). Accounts without a jurisdiction,
    or with one that has no rate, are invoiced without tax."""
    async with runtime.unit_of_work() as uow:
        await setup_store.put_tax_rate(uow, jurisdiction, body.rate, body.name)
        await record_action(uow, "tax_rate.set", "tax_rate", jurisdiction, body.model_dump())
    return {"jurisdiction": jurisdiction, "rate": str(body.rate), "name": body.name}


@router.put(
    "/accounts/{account_id}/tax-jurisdiction", dependencies=[require("billing-setup:write")]
)
async def set_account_jurisdiction(
    account_id: UUID, body: TaxJurisdiction, runtime: RuntimeDep
) -> dict[str, Any]:
    """Which jurisdiction's rate taxes the account's next invoices."""
    async with runtime.unit_of_work() as uow:
        await setup_store.put_account_jurisdiction(uow, account_id, body.jurisdiction)
        await record_action(
            uow, "account.tax_jurisdiction.set", "account", account_id, body.model_dump()
        )
    return {"account_id": str(account_id), "jurisdiction": body.jurisdiction}


@router.put("/usage-plans/{metric}", dependencies=[require("billing-setup:write")])
async def set_usage_plan(
    metric: MetricPath, body: UsagePlanIn, runtime: RuntimeDep
) -> dict[str, Any]:
    """How usage of `metric` is aggregated per period and rated, in one currency."""
    values = body.model_dump(mode="json", exclude={"currency"})
    async with runtime.unit_of_work() as uow:
        await setup_store.put_usage_plan(uow, metric, body.currency, values)
        await record_action(
            uow, "usage_plan.set", "usage_plan", metric, body.model_dump(mode="json")
        )
    return {"metric": metric, **body.model_dump(mode="json")}


@router.get("/subscriptions", dependencies=[require("billing:read")])
async def list_subscriptions(
    runtime: RuntimeDep,
    page: PageDep,
    lead_id: UUID | None = None,
    account_id: UUID | None = None,
) -> list[dict[str, Any]]:
    """Subscriptions with their current items, next period and recorded usage count, in
    the order they were activated."""
    async with runtime.unit_of_work() as uow:
        rows = await handlers.subscription_view(uow, page, lead_id=lead_id, account_id=account_id)
    return [{**_jsonable(row), "items": [_jsonable(i) for i in row["items"]]} for row in rows]


class AutoFinalize(BoundedModel):
    auto_finalize: bool
    """false: the billing run leaves the invoices as drafts for POST /invoices/{id}/finalize."""


@router.put(
    "/subscriptions/{subscription_id}/auto-finalize", dependencies=[require("billing-setup:write")]
)
async def set_auto_finalize(
    subscription_id: UUID, body: AutoFinalize, runtime: RuntimeDep
) -> dict[str, Any]:
    """Whether the subscription's next invoices are issued by the billing run or drafted."""
    async with runtime.unit_of_work() as uow:
        await handlers.set_auto_finalize(subscription_id, body.auto_finalize, uow)
        await record_action(
            uow, "subscription.auto_finalize.set", "subscription", subscription_id,
            {"auto_finalize": body.auto_finalize},
        )  # fmt: skip
    return {"subscription_id": str(subscription_id), "auto_finalize": body.auto_finalize}


@router.get("/credit-notes", dependencies=[require("billing:read")])
async def list_credit_notes(
    runtime: RuntimeDep,
    page: PageDep,
    subscription_id: UUID | None = None,
    account_id: UUID | None = None,
) -> list[dict[str, Any]]:
    """Credit notes in the order they were issued."""
    async with runtime.unit_of_work() as uow:
        rows = await setup_store.credit_note_rows(uow, page, subscription_id, account_id)
    return [_jsonable(row) for row in rows]


@router.get("/revenue-schedules", dependencies=[require("billing:read")])
async def list_revenue_schedule(
    runtime: RuntimeDep,
    page: PageDep,
    document_id: UUID | None = None,
    subscription_id: UUID | None = None,
) -> list[dict[str, Any]]:
    """Scheduled revenue rows (per document line and month) of an invoice or credit note."""
    if document_id is None and subscription_id is None:
        raise RuleViolation("give a document_id or a subscription_id")
    async with runtime.unit_of_work() as uow:
        rows = await setup_store.revenue_schedule_rows(uow, page, document_id, subscription_id)
    return [_jsonable(row) for row in rows]


def _month(text: str) -> date:
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError as exc:
        raise RuleViolation(f"{text!r} is not a month like 2026-01") from exc


@router.get("/reports/deferred-revenue", dependencies=[require("billing:read")])
async def deferred_revenue_report(
    runtime: RuntimeDep,
    first: Annotated[str, Query(alias="from", pattern=r"^\d{4}-\d{2}$")],
    last: Annotated[str, Query(alias="to", pattern=r"^\d{4}-\d{2}$")],
    currency: CurrencyCode = "EUR",
) -> list[dict[str, Any]]:
    """Deferred-revenue waterfall by month: opening, billed, recognised, closing."""
    start, end = _month(first), _month(last)
    if end < start or (end.year - start.year) * 12 + end.month - start.month > 120:
        raise RuleViolation("`to` must be within ten years after `from`")
    async with runtime.unit_of_work() as uow:
        rows = await deferred_revenue(uow, start, end, currency)
    return [_jsonable(row) for row in rows]


def _jsonable(row: Any) -> dict[str, Any]:
    return {k: format(v, "f") if isinstance(v, Decimal) else v for k, v in dict(row).items()}
