"""Metrics: each a definition of docs/insights.md, over a period, grouped on request. Not the
bare `/metrics` path (that is the Prometheus exposition's)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from insights_svc.adapters import facts
from insights_svc.domain import metrics
from insights_svc.domain.journey import Milestones
from insights_svc.domain.receivables import dso
from l2c_runtime.auth import require
from l2c_runtime.errors import NotFound, RuleViolation
from l2c_runtime.http.params import CodePath
from l2c_runtime.service import Runtime, runtime_of

router = APIRouter(prefix="/metrics", tags=["metrics"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]
FUNNEL = "funnel"
DSO = "dso"
SPECIAL = (FUNNEL, DSO)


async def _journeys(
    runtime: Runtime, start: datetime | None, end: datetime | None
) -> list[Milestones]:
    if start is not None and end is not None and start >= end:
        raise RuleViolation("from must be before to")
    async with runtime.sessions() as session:
        try:
            return await facts.journey_milestones(session, start, end)
        except facts.TooManyJourneys as exc:
            raise RuleViolation(str(exc)) from exc


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
    drop-off; `dso` (from and to required) gives per currency the receivables at `to`, the
    sales of the period and the days sales outstanding. `by` groups by owner, source or
    currency."""
    if name not in SPECIAL and name not in metrics.DEFINITIONS:
        known = ", ".join([*sorted(metrics.DEFINITIONS), *SPECIAL])
        raise NotFound(f"no metric {name!r}; known: {known}")
    period = {"from": from_, "to": to}
    if name == DSO:
        if from_ is None or to is None or from_ >= to:
            raise RuleViolation("dso needs a period: from before to")
        async with runtime.sessions() as session:
            try:
                invoices = await facts.invoice_facts(session, to)
            except facts.TooManyJourneys as exc:
                raise RuleViolation(str(exc)) from exc
        return {"metric": name, **period, "by": "currency", "groups": dso(invoices, from_, to)}
    journeys = await _journeys(runtime, from_, to)
    if name == FUNNEL:
        return {"metric": name, **period, "stages": metrics.funnel(journeys, from_, to)}
    definition = metrics.DEFINITIONS[name]
    kind = "duration" if isinstance(definition, metrics.Duration) else "rate"
    return {
        "metric": name,
        "kind": kind,
        "definition": definition.description,
        **period,
        "by": by,
        "groups": metrics.compute(name, journeys, from_, to, by),
    }
