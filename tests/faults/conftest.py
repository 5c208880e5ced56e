"""The fault matrix's table, printed once at the end of the run (after pytest's summary of
failures), with every case that ran, passed or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from l2c_platform.fault_load import CaseResult, matrix_table

RESULTS = pytest.StashKey[list[CaseResult]]()
LOG_DIRS = pytest.StashKey[list[Path]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[RESULTS] = []
    config.stash[LOG_DIRS] = []


@pytest.fixture(scope="session")
def fault_results(pytestconfig: pytest.Config) -> list[CaseResult]:
    return pytestconfig.stash[RESULTS]


@pytest.fixture(scope="session")
def fault_log_dirs(pytestconfig: pytest.Config) -> list[Path]:
    return pytestconfig.stash[LOG_DIRS]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    results = terminalreporter.config.stash.get(RESULTS, [])
    if not results:
        return
    terminalreporter.section("fault matrix")
    for line in matrix_table(results):
        terminalreporter.write_line(line)
    terminalreporter.write_line(
        "recovery: from the fault until the case's last journey was paid; "
        "intake, usage: records the broker acknowledged that were stored"
    )
    for log_dir in terminalreporter.config.stash.get(LOG_DIRS, []):
        terminalreporter.write_line(f"service logs: {log_dir}")
