"""contract-svc: contracts from accepted quotes to signature, order, renewal and end."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from contract_svc.api import routers
from contract_svc.api.webhook_auth import WebhookGuard
from contract_svc.consumers import subscriptions
from contract_svc.jobs import activate_contracts, announce_renewals, end_terms
from l2c_runtime.service import ServiceDefinition
from l2c_runtime.service import create_app as create_service_app
from l2c_runtime.settings import ServiceSettings
from l2c_schemas.topics import CONTRACT_EVENTS

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

definition = ServiceDefinition(
    name="contract-svc",
    title="L2C contract-svc",
    description=(
        "Drafts a contract from each accepted quote with terms from the policy and a clause "
        "library; non-standard terms go through legal/finance approval; signatures (API and "
        "e-signature webhook) and countersignature; orders and their provisioning; "
        "activation, amendments, renewals with uplift, termination."
    ),
    migrations=MIGRATIONS,
    handlers=subscriptions,
    routers=routers,
    jobs=[activate_contracts, announce_renewals, end_terms],
    produces=[CONTRACT_EVENTS],
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    guard = WebhookGuard.from_settings()  # no secret, no start (outside the dev mode)
    app = create_service_app(definition, settings)
    app.state.esignature_guard = guard
    return app
