"""Pipelines: the stages deals move through, as editable data."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from deal_svc.adapters import queries
from deal_svc.adapters.pipeline_store import load_pipeline, pipeline_names
from deal_svc.api.views import RuntimeDep
from deal_svc.domain.forecast import parse_period
from deal_svc.domain.pipeline import (
    ForecastCategory,
    GateField,
    Outcome,
    Pipeline,
    StageDefinition,
)
from deal_svc.domain.stage_history import velocity
from deal_svc.handlers.pipelines import define_pipeline
from l2c_runtime.audit import record_action
from l2c_runtime.auth import require
from l2c_runtime.http.params import PageDep
from l2c_schemas.text import BoundedModel

router = APIRouter(prefix="/pipelines", tags=["pipelines"])
PipelineName = Annotated[str, Path(pattern="^[a-z0-9_-]{1,50}$")]


class StageView(BaseModel):
    name: str = Field(pattern="^[a-z0-9_]{1,50}$", examples=["proposal"])
    probability: int = Field(ge=0, le=100, examples=[50])
    forecast_category: ForecastCategory
    outcome: Outcome | None = None
    """`won` or `lost` for the two closing stages; absent for open stages."""
    requires: list[GateField] = Field(default_factory=list, max_length=20)
    """What a deal needs to enter this stage or any later open one."""


class PipelineView(BaseModel):
    name: str
    stages: list[StageView]


class VelocityView(BaseModel):
    pipeline: str
    period: str
    won: int
    lost: int
    win_rate_percent: Decimal | None
    average_cycle_seconds: int | None
    """From opening to winning, over the won deals."""
    average_seconds_in_stage: dict[str, int]
    """Per stage, over the closed deals that passed through it."""


class PipelineDefinition(BoundedModel):
    stages: list[StageView] = Field(min_length=3, max_length=30)
    """In pipeline order."""


def _view(pipeline: Pipeline) -> PipelineView:
    return PipelineView(
        name=pipeline.name,
        stages=[
            StageView(
                name=s.name,
                probability=s.probability,
                forecast_category=s.forecast_category,
                outcome=s.outcome,
                requires=sorted(s.requires),
            )
            for s in pipeline.stages
        ],
    )


@router.get("", response_model=list[PipelineView], dependencies=[require("pipelines:read")])
async def list_pipelines(runtime: RuntimeDep, page: PageDep) -> list[PipelineView]:
    """The pipelines by name (a handful: paged here)."""
    async with runtime.unit_of_work() as uow:
        names = page.of(await pipeline_names(uow.session))
        return [_view(await load_pipeline(uow.session, name)) for name in names]


@router.get("/{name}", response_model=PipelineView, dependencies=[require("pipelines:read")])
async def get_pipeline(name: PipelineName, runtime: RuntimeDep) -> PipelineView:
    async with runtime.unit_of_work() as uow:
        return _view(await load_pipeline(uow.session, name))


@router.put("/{name}", response_model=PipelineView, dependencies=[require("pipelines:write")])
async def put_pipeline(
    name: PipelineName, definition: PipelineDefinition, runtime: RuntimeDep
) -> PipelineView:
    """Create the pipeline or replace its stages (422 with the reason when it is not usable,
    409 when a removed stage still holds deals). Deals take a stage's new probability and
    forecast category when they next enter it."""
    pipeline = Pipeline(
        name,
        tuple(
            StageDefinition(
                s.name,
                position,
                s.probability,
                s.forecast_category,
                s.outcome,
                frozenset(s.requires),
            )
            for position, s in enumerate(definition.stages, start=1)
        ),
    )
    async with runtime.unit_of_work() as uow:
        await define_pipeline(pipeline, uow)
        await record_action(uow, "pipeline.define", "pipeline", name, definition.model_dump())
    return _view(pipeline)


@router.get(
    "/{name}/velocity", response_model=VelocityView, dependencies=[require("pipelines:read")]
)
async def get_velocity(
    name: PipelineName,
    runtime: RuntimeDep,
    period: Annotated[
        str, Query(max_length=7, examples=["2026-Q4"], description="2026-Q4, 2026-11 or 2026")
    ],
) -> VelocityView:
    """How the pipeline's deals closed (won or lost) in the period went: win rate, the won
    deals' average cycle, and the average time a deal spent in each stage."""
    wanted = parse_period(period)
    async with runtime.unit_of_work() as uow:
        pipeline = await load_pipeline(uow.session, name)
        deals = await queries.closed_deals(uow, pipeline, wanted)
    result = velocity(deals)
    return VelocityView(
        pipeline=name,
        period=wanted.label,
        won=result.won,
        lost=result.lost,
        win_rate_percent=result.win_rate_percent,
        average_cycle_seconds=(
            None if result.average_cycle is None else int(result.average_cycle.total_seconds())
        ),
        average_seconds_in_stage={
            stage: int(spent.total_seconds())
            for stage, spent in result.average_time_in_stage.items()
        },
    )
