"""Every benchmark runs at a tiny size with `--smoke` (CI runs them all so, `make bench-smoke`):
a script must declare its sizes through servicebench.BenchArguments, each with a smoke value,
and parse its command line with them. A new bench/bench_*.py without them fails here."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SCRIPTS = sorted(BENCH.glob("bench_*.py"))


def load(script: Path) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # the scripts import servicebench beside them
    spec = importlib.util.spec_from_file_location(f"bench_script_{script.stem}", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_there_are_benchmarks() -> None:
    assert len(SCRIPTS) >= 8


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_each_size_has_a_smoke_value_the_script_runs_with(script: Path) -> None:
    module = load(script)
    assert callable(getattr(module, "arguments", None)), (
        f"{script.name}: define arguments() -> servicebench.BenchArguments"
    )
    command = module.arguments()
    assert command.sizes, f"{script.name}: no size declared with a smoke value"
    assert any(smoke < full for full, smoke in command.sizes.values()), (
        f"{script.name}: --smoke runs at full size"
    )

    smoke, full = command.parse(["--smoke"]), command.parse([])

    for dest, (full_size, smoke_size) in command.sizes.items():
        assert 0 < smoke_size <= full_size, f"{script.name}: {dest}"
        assert getattr(smoke, dest) == smoke_size
        assert getattr(full, dest) == full_size
    # The script runs with what its arguments() parse, not with a parser of its own.
    source = script.read_text()
    assert "arguments().parse()" in source, f"{script.name}: main does not use arguments()"
    assert "ArgumentParser(" not in source, f"{script.name}: a second command line"


def test_a_size_given_explicitly_wins_over_smoke() -> None:
    module = load(BENCH / "bench_relay.py")

    assert module.arguments().parse(["--smoke", "--events", "1234"]).events == 1234
