"""Pipeline configuration: stages, probabilities, forecast categories and gates as data."""

from __future__ import annotations

import sqlalchemy as sa

from deal_svc.adapters.pipeline_store import save_pipeline
from deal_svc.adapters.tables import opportunities
from deal_svc.domain.pipeline import Pipeline, validate_pipeline
from l2c_runtime.errors import Conflict
from l2c_runtime.unit_of_work import UnitOfWork


async def define_pipeline(pipeline: Pipeline, uow: UnitOfWork) -> None:
    """Create a pipeline or replace its stages. New probabilities and categories apply to
    deals as they enter a stage; a stage that still holds deals cannot be removed."""
    validate_pipeline(pipeline)
    kept = {stage.name for stage in pipeline.stages}
    stranded = list(
        await uow.session.execute(
            sa.select(opportunities.c.stage, sa.func.count())
            .where(opportunities.c.pipeline == pipeline.name, opportunities.c.stage.not_in(kept))
            .group_by(opportunities.c.stage)
            .order_by(opportunities.c.stage)
        )
    )
    if stranded:
        held = ", ".join(f"{stage} ({count} deals)" for stage, count in stranded)
        raise Conflict(f"stages still holding deals cannot be removed: {held}")
    await save_pipeline(uow.session, pipeline, uow.clock.now())
