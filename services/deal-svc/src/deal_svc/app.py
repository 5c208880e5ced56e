"""deal-svc: accounts, opportunities and the sales pipeline."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from deal_svc.api import router
from deal_svc.consumers import subscriptions
from l2c_runtime.service import ServiceDefinition
from l2c_runtime.service import create_app as create_service_app
from l2c_runtime.settings import ServiceSettings
from l2c_schemas.topics import DEAL_EVENTS

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

definition = ServiceDefinition(
    name="deal-svc",
    title="L2C deal-svc",
    description=(
        "Opens an opportunity for each qualified lead, moves it through the pipeline and "
        "closes it won (contract signed) or lost; emits OpportunityOpened, "
        "OpportunityStageChanged and DealClosed."
    ),
    migrations=MIGRATIONS,
    handlers=subscriptions,
    routers=[router],
    produces=[DEAL_EVENTS],
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service_app(definition, settings)
