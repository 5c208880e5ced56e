"""insights-svc: every lead's journey across the contexts, and the lead-to-cash metrics. A read
model: it consumes every context's events and changes no other service's data."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from insights_svc.api.dashboard import install_dashboard
from insights_svc.api.dashboard import router as dashboard_router
from insights_svc.api.handoffs import router as handoffs_router
from insights_svc.api.journeys import router as journeys_router
from insights_svc.api.leakage import router as leakage_router
from insights_svc.api.metrics import router as metrics_router
from insights_svc.config import DashboardSettings
from insights_svc.consumers import subscriptions
from insights_svc.jobs import watch_handoffs, watch_leakage
from l2c_runtime.service import ServiceDefinition
from l2c_runtime.service import create_app as create_service_app
from l2c_runtime.settings import ServiceSettings
from l2c_schemas.topics import INSIGHTS_EVENTS

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

definition = ServiceDefinition(
    name="insights-svc",
    title="L2C insights-svc",
    description=(
        "Every lead's journey from capture to cash (each stage's time, actor, ids, amounts "
        "and trace), and the lead-to-cash metrics: velocity, conversion, quality, funnel."
    ),
    migrations=MIGRATIONS,
    handlers=subscriptions,
    routers=[journeys_router, metrics_router, handoffs_router, leakage_router, dashboard_router],
    produces=[INSIGHTS_EVENTS],
    jobs=[watch_handoffs, watch_leakage],
)


def create_app(
    settings: ServiceSettings | None = None, dashboard: DashboardSettings | None = None
) -> FastAPI:
    app = create_service_app(definition, settings)
    install_dashboard(app, dashboard)
    return app
