"""contract-svc: contracts from accepted quotes, signatures and orders."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from contract_svc.api import router
from contract_svc.consumers import subscriptions
from l2c_runtime.service import ServiceDefinition
from l2c_runtime.service import create_app as create_service_app
from l2c_runtime.settings import ServiceSettings
from l2c_schemas.topics import CONTRACT_EVENTS

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"

definition = ServiceDefinition(
    name="contract-svc",
    title="L2C contract-svc",
    description=(
        "Drafts a contract from each accepted quote, records the signature and places the "
        "order; emits ContractDrafted, ContractSigned and OrderPlaced."
    ),
    migrations=MIGRATIONS,
    handlers=subscriptions,
    routers=[router],
    produces=[CONTRACT_EVENTS],
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service_app(definition, settings)
