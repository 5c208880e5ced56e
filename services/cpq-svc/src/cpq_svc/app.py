"""cpq-svc: catalog, price books and quotes."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from cpq_svc.api.catalog import router as catalog_router
from cpq_svc.api.quotes import router
from cpq_svc.consumers import subscriptions
from cpq_svc.jobs import expire_quotes
from l2c_runtime.service import ServiceDefinition
from l2c_runtime.service import create_app as create_service_app
from l2c_runtime.settings import ServiceSettings
from l2c_schemas.topics import CPQ_EVENTS

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

definition = ServiceDefinition(
    name="cpq-svc",
    title="L2C cpq-svc",
    description=(
        "Configure, price, quote: the product catalog and price books per currency and "
        "segment, pricing models and discount waterfalls, discount approvals, quote versions "
        "and documents; emits QuoteCreated, QuoteApprovalRequested, QuoteApproved, "
        "QuoteRejected, QuoteSent, QuoteRevised, QuoteAccepted and QuoteExpired."
    ),
    migrations=MIGRATIONS,
    handlers=subscriptions,
    routers=[catalog_router, router],
    jobs=[expire_quotes],
    produces=[CPQ_EVENTS],
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service_app(definition, settings)
