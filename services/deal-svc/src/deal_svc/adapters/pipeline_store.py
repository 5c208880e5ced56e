"""Pipelines as stored rows <-> the domain's Pipeline values."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from deal_svc.adapters.tables import pipeline_stages, pipelines
from deal_svc.domain.pipeline import (
    ForecastCategory,
    GateField,
    Outcome,
    Pipeline,
    StageDefinition,
)
from l2c_runtime.errors import NotFound


async def load_pipeline(session: AsyncSession, name: str) -> Pipeline:
    """The pipeline called `name` with its stages in order; NotFound if there is none."""
    rows = (
        await session.execute(
            sa.select(pipeline_stages)
            .where(pipeline_stages.c.pipeline == name)
            .order_by(pipeline_stages.c.position)
        )
    ).all()
    if not rows:
        raise NotFound(f"no pipeline {name!r}")
    return Pipeline(
        name,
        tuple(
            StageDefinition(
                name=row.name,
                position=row.position,
                probability=row.probability,
                forecast_category=cast(ForecastCategory, row.forecast_category),
                outcome=cast(Outcome | None, row.outcome),
                requires=frozenset(cast(list[GateField], row.requires)),
            )
            for row in rows
        ),
    )


async def pipeline_names(session: AsyncSession) -> list[str]:
    return list(await session.scalars(sa.select(pipelines.c.name).order_by(pipelines.c.name)))


async def save_pipeline(session: AsyncSession, pipeline: Pipeline, now: datetime) -> None:
    """Create or replace the pipeline's stages."""
    await session.execute(
        pg_insert(pipelines)
        .values(name=pipeline.name, updated_at=now)
        .on_conflict_do_update(index_elements=["name"], set_={"updated_at": now})
    )
    await session.execute(
        sa.delete(pipeline_stages).where(pipeline_stages.c.pipeline == pipeline.name)
    )
    await session.execute(
        sa.insert(pipeline_stages),
        [
            {
                "pipeline": pipeline.name,
                "name": stage.name,
                "position": stage.position,
                "probability": stage.probability,
                "forecast_category": stage.forecast_category,
                "outcome": stage.outcome,
                "requires": sorted(stage.requires),
            }
            for stage in pipeline.stages
        ],
    )
