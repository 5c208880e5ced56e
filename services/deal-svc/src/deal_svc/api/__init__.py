"""deal-svc's HTTP API: opportunities, accounts, pipelines and the forecast."""

from __future__ import annotations

from fastapi import APIRouter

from deal_svc.api.accounts import router as accounts_router
from deal_svc.api.forecast import router as forecast_router
from deal_svc.api.opportunities import router as opportunities_router
from deal_svc.api.pipelines import router as pipelines_router

routers: list[APIRouter] = [
    opportunities_router,
    accounts_router,
    pipelines_router,
    forecast_router,
]
