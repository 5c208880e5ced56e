"""The database is seeded with exactly the pipelines the domain ships."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from deal_svc.domain.pipeline import DEFAULT_PIPELINE, RENEWAL_PIPELINE, Pipeline

VERSIONS = Path(__file__).resolve().parents[1] / "migrations" / "versions"


def _migration(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, VERSIONS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(pipeline: Pipeline) -> list[tuple[object, ...]]:
    return [
        (s.name, s.position, s.probability, s.forecast_category, s.outcome, sorted(s.requires))
        for s in pipeline.stages
    ]


def test_the_seeded_pipelines_equal_the_domain_defaults() -> None:
    seed = _migration("0002_accounts_contacts_pipelines_forecast")
    assert _rows(DEFAULT_PIPELINE) == seed.DEFAULT_STAGES
    assert _rows(RENEWAL_PIPELINE) == seed.RENEWAL_STAGES
