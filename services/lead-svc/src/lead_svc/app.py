"""lead-svc: lead capture, scoring and qualification."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from l2c_runtime.service import ServiceDefinition
from l2c_runtime.service import create_app as create_service_app
from l2c_runtime.settings import ServiceSettings
from l2c_schemas.topics import LEAD_EVENTS
from lead_svc.api import router
from lead_svc.consumers import subscriptions

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

definition = ServiceDefinition(
    name="lead-svc",
    title="L2C lead-svc",
    description="Captures, scores and qualifies leads; emits LeadQualified for sales.",
    migrations=MIGRATIONS,
    handlers=subscriptions,
    routers=[router],
    produces=[LEAD_EVENTS],
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service_app(definition, settings)
