"""billing-svc: subscriptions, billing periods and invoices."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from billing_svc.api.credit_notes import router as credit_notes_router
from billing_svc.api.invoices import router
from billing_svc.api.setup import router as setup_router
from billing_svc.consumers import subscriptions
from billing_svc.jobs import close_revenue_months, follow_free_trials, run_billing
from l2c_runtime.service import ServiceDefinition
from l2c_runtime.service import create_app as create_service_app
from l2c_runtime.settings import ServiceSettings
from l2c_schemas.topics import BILLING_EVENTS

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

definition = ServiceDefinition(
    name="billing-svc",
    title="L2C billing-svc",
    description=(
        "Subscriptions from orders; billing runs per anchored period; proration of amendments;"
        " usage rating; invoices, credit notes, taxes; revenue schedules and recognition."
    ),
    migrations=MIGRATIONS,
    handlers=subscriptions,
    routers=[router, setup_router, credit_notes_router],
    jobs=[follow_free_trials, run_billing, close_revenue_months],
    produces=[BILLING_EVENTS],
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service_app(definition, settings)
