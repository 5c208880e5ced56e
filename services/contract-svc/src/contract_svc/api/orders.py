"""Orders, the clause library, the policy and the e-signature webhook."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, IPvAnyAddress, ValidationError

from contract_svc import handlers
from contract_svc.adapters.library import clause_template_rows
from contract_svc.api.changes import ContractPercent, given
from contract_svc.api.views import OrderView, order_view
from contract_svc.api.webhook_auth import WebhookGuard
from l2c_runtime.audit import record_action
from l2c_runtime.auth import require
from l2c_runtime.http.params import PageDep
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas.money import DecimalStr
from l2c_schemas.text import BoundedModel

router = APIRouter(tags=["orders"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class ClauseTemplateView(BaseModel):
    code: str
    title: str
    body: str
    included_by_default: bool


class EnvelopeSigned(BoundedModel):
    """What the e-signature provider reports when one party signed one envelope."""

    envelope_id: str = Field(min_length=1, max_length=200)
    contract_id: UUID
    party: Literal["customer", "company"] = "customer"
    signer: str = Field(min_length=3, max_length=320, pattern=r"^[^<>]+ <[^<>\s@]+@[^<>\s@]+>$")
    signed_at: datetime
    ip_address: IPvAnyAddress
    document_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class WebhookResult(BaseModel):
    envelope_id: str
    recorded: bool
    """False when this envelope was reported before (nothing changed)."""
    contract_status: str


@router.get("/orders/{order_id}", response_model=OrderView, dependencies=[require("orders:read")])
async def get_order(order_id: UUID, runtime: RuntimeDep) -> OrderView:
    """An order and its provisioning state (a failure shows its detail)."""
    async with runtime.unit_of_work() as uow:
        return order_view(await handlers.find_order(order_id, uow))


@router.post(
    "/orders/{order_id}/retry-provisioning",
    response_model=OrderView,
    dependencies=[require("orders:write")],
)
async def retry_provisioning(order_id: UUID, runtime: RuntimeDep) -> OrderView:
    """Ask provisioning again after a failure (OrderProvisioningRequested); 409 otherwise."""
    async with runtime.unit_of_work() as uow:
        await handlers.retry_order_provisioning(order_id, uow)
    async with runtime.unit_of_work() as uow:
        return order_view(await handlers.find_order(order_id, uow))


@router.get(
    "/clause-templates",
    response_model=list[ClauseTemplateView],
    tags=["library"],
    dependencies=[require("contracts:read")],
)
async def list_clause_templates(runtime: RuntimeDep, page: PageDep) -> list[ClauseTemplateView]:
    """The clause library by code: standard clauses (those included by default go into every
    draft)."""
    async with runtime.unit_of_work() as uow:
        rows = await clause_template_rows(uow, page)
        return [ClauseTemplateView.model_validate(dict(r)) for r in rows]


class PolicyView(BaseModel):
    auto_renew: bool
    uplift_percent: DecimalStr
    renewal_notice_days: int
    billing_timing: Literal["in_advance", "in_arrears"]
    max_standard_payment_terms_days: int
    termination_notice_days: int
    automatic_countersignature: bool


class PolicyChange(BoundedModel):
    """Fields to change in the default policy; the others stay."""

    auto_renew: bool | None = None
    uplift_percent: ContractPercent | None = None
    renewal_notice_days: int | None = Field(default=None, ge=0, le=365)
    billing_timing: Literal["in_advance", "in_arrears"] | None = None
    max_standard_payment_terms_days: int | None = Field(default=None, ge=0, le=365)
    termination_notice_days: int | None = Field(default=None, ge=0, le=365)
    automatic_countersignature: bool | None = None


@router.get(
    "/contract-policy",
    response_model=PolicyView,
    tags=["library"],
    dependencies=[require("contracts:read")],
)
async def get_policy(runtime: RuntimeDep) -> PolicyView:
    """The default contract policy: standard terms and the limits of standard terms."""
    async with runtime.unit_of_work() as uow:
        policy = await handlers.load_policy(uow)
    return PolicyView.model_validate(vars(policy))


@router.patch(
    "/contract-policy",
    response_model=PolicyView,
    tags=["library"],
    dependencies=[require("contract-policy:write")],
)
async def change_policy(change: PolicyChange, runtime: RuntimeDep) -> PolicyView:
    """Configure the default policy; contracts drafted from now on get it."""
    async with runtime.unit_of_work() as uow:
        policy = await handlers.update_policy(given(change), uow)
        await record_action(
            uow, "contract_policy.change", "contract_policy", "default", given(change)
        )
    return PolicyView.model_validate(vars(policy))


@router.post(
    "/webhooks/esignature",
    response_model=WebhookResult,
    tags=["webhooks"],
    responses={401: {"description": "the X-Esignature-Signature header is missing or wrong"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": EnvelopeSigned.model_json_schema()}},
        }
    },
)
async def esignature_webhook(request: Request, runtime: RuntimeDep) -> WebhookResult:
    """An e-signature provider reports a signature (signer, time, IP, document hash).
    Idempotent per envelope id; 409 when the hash is not the contract's current version.
    `X-Esignature-Timestamp` (Unix seconds, within 5 minutes of now) and
    `X-Esignature-Signature` (hex HMAC-SHA256 of `<timestamp>.<body>` under the shared
    secret) must be right, else 401."""
    body = await request.body()
    guard: WebhookGuard = request.app.state.esignature_guard
    refusal = guard.refusal(
        body,
        request.headers.get("x-esignature-timestamp"),
        request.headers.get("x-esignature-signature"),
    )
    if refusal is not None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, refusal)
    try:
        envelope = EnvelopeSigned.model_validate_json(body)
    except ValidationError as exc:
        # Without the input: a body that is not UTF-8 would not encode into the answer.
        errors = exc.errors(include_url=False, include_input=False, include_context=False)
        raise RequestValidationError(errors) from exc
    evidence = handlers.SignatureEvidence(
        envelope_id=envelope.envelope_id,
        party=envelope.party,
        signer=envelope.signer,
        signed_at=envelope.signed_at,
        ip_address=str(envelope.ip_address),
        document_hash=envelope.document_hash,
    )
    async with runtime.unit_of_work() as uow:
        recorded = await handlers.record_esignature(envelope.contract_id, evidence, uow)
    async with runtime.unit_of_work() as uow:
        record = await handlers.find_contract(envelope.contract_id, uow)
    assert record is not None
    return WebhookResult(
        envelope_id=envelope.envelope_id,
        recorded=recorded,
        contract_status=str(record.row["status"]),
    )
