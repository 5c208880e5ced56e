"""lead-svc: lead capture, scoring and qualification."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from l2c_runtime.service import ServiceDefinition
from l2c_runtime.service import create_app as create_service_app
from l2c_runtime.settings import ServiceSettings
from l2c_schemas.topics import LEAD_EVENTS
from lead_svc.api.configuration import router as configuration_router
from lead_svc.api.leads import MAX_BULK, router
from lead_svc.consumers import subscriptions
from lead_svc.jobs import breach_overdue_first_contacts, rescore_after_rule_changes

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

definition = ServiceDefinition(
    name="lead-svc",
    title="L2C lead-svc",
    description=(
        "Captures leads (HTTP, bulk, intake topic), merges duplicates, scores fit and "
        "engagement by versioned rules, gates MQL/SQL, routes to sales with a first-contact "
        "SLA, erases personal data on request; emits LeadQualified for sales."
    ),
    migrations=MIGRATIONS,
    handlers=subscriptions,
    routers=[router, configuration_router],
    produces=[LEAD_EVENTS],
    jobs=[breach_overdue_first_contacts, rescore_after_rule_changes],
    # A list import of MAX_BULK leads: about 2 KiB each at most.
    body_limits={"/leads/bulk": MAX_BULK * 2048},
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service_app(definition, settings)
