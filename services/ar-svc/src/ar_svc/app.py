"""ar-svc: receivables, payments, cash application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from ar_svc.api.disputes import router as disputes_router
from ar_svc.api.receivables import router
from ar_svc.api.refunds import router as refunds_router
from ar_svc.api.reports import router as reports_router
from ar_svc.api.statements import MAX_STATEMENT_BYTES
from ar_svc.api.statements import router as statements_router
from ar_svc.api.write_offs import router as write_offs_router
from ar_svc.consumers import subscriptions
from ar_svc.handlers.dunning import run_dunning
from l2c_runtime.service import ServiceDefinition
from l2c_runtime.service import create_app as create_service_app
from l2c_runtime.settings import ServiceSettings
from l2c_schemas.topics import AR_EVENTS, PAYMENTS_OUTBOUND

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

definition = ServiceDefinition(
    name="ar-svc",
    title="L2C ar-svc",
    description=(
        "Receivables subledger, payments, cash application, dunning and reports; "
        "emits PaymentReceived, InvoicePaid, DunningNoticeSent, AccountDelinquent, "
        "InvoiceDisputed, DisputeResolved, WriteOffReversed; refunds (RefundRequested) to the "
        "payment gateway; imports bank statements (CAMT.053, CSV)."
    ),
    migrations=MIGRATIONS,
    handlers=subscriptions,
    routers=[
        router,
        reports_router,
        disputes_router,
        refunds_router,
        write_offs_router,
        statements_router,
    ],
    produces=[AR_EVENTS, PAYMENTS_OUTBOUND],
    jobs=[run_dunning],
    body_limits={"/bank-statements": MAX_STATEMENT_BYTES},
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service_app(definition, settings)
