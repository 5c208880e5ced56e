"""Metrics: each a definition of docs/insights.md, over a period, grouped on request. Not the
bare `/metrics` path (that is the Prometheus exposition's)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from insights_svc.domain import metrics
from insights_svc.handlers import reports
from l2c_runtime.auth import require
from l2c_runtime.http.params import CodePath
from l2c_runtime.service import Runtime, runtime_of

router = APIRouter(prefix="/metrics", tags=["metrics"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


@router.get("/{name}", dependencies=[require("insights:read")])
async def metric(
    name: CodePath,
    runtime: RuntimeDep,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    by: metrics.Group | None = None,
) -> dict[str, Any]:
    """One metric over [from, to): durations give count, p50, p90 and mean in seconds;
    rates give numerator, denominator and rate; `funnel` gives each stage's count and
    drop-off (and, with `by`, the funnel of each group); `dso` (from and to required) gives
    per currency the receivables at `to`, the sales of the period and the days sales
    outstanding; `invoice_accuracy` and `discount_compliance` are rates of invoices and
    quotes (by currency: the document's; by the other groups: its journey's). `by` groups by
    owner, team, segment, source, campaign, currency or cohort."""
    return await reports.metric(runtime.sessions, name, from_, to, by)
