"""deal-svc: accounts, opportunities and the sales pipeline."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from deal_svc.api import routers
from deal_svc.consumers import subscriptions
from deal_svc.jobs import snapshot_forecasts
from l2c_runtime.service import ServiceDefinition
from l2c_runtime.service import create_app as create_service_app
from l2c_runtime.settings import ServiceSettings
from l2c_schemas.topics import DEAL_EVENTS

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

definition = ServiceDefinition(
    name="deal-svc",
    title="L2C deal-svc",
    description=(
        "Accounts and contacts; opens an opportunity for each qualified lead, for expansions "
        "and for renewals due; moves deals through configurable pipelines with stage gates; "
        "closes them won (contract signed or renewed) or lost with reason and competitor; "
        "forecasts the weighted pipeline by period, owner and stage, and measures each "
        "period's forecast against what was won. Emits OpportunityOpened, "
        "OpportunityStageChanged, OpportunityUpdated and DealClosed."
    ),
    migrations=MIGRATIONS,
    handlers=subscriptions,
    routers=routers,
    produces=[DEAL_EVENTS],
    jobs=[snapshot_forecasts],
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service_app(definition, settings)
