"""schemathesis over every service's OpenAPI, against the running platform (real processes,
real PostgreSQL and Kafka): examples, coverage, fuzzing (positive and negative data) and
stateful phases. An answer must never be a server error, must use a status code the operation
documents and must match the schema it documents.

`L2C_FUZZ_EXAMPLES` sets the examples per operation (CI's small default keeps the whole step
within a few minutes on two cores); `make fuzz` runs many more.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

import pytest

from l2c_platform.launcher import SERVICES, Platform
from l2c_platform.tokens import OPERATOR_ROLES, bearer

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.fuzz]

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "response_schema_conformance",
        "content_type_conformance",
    ]
)
EXAMPLES = int(os.environ.get("L2C_FUZZ_EXAMPLES", "8"))
SEED = os.environ.get("L2C_FUZZ_SEED", "20261204")


async def _fuzz(platform: Platform, service: str, reports: Path) -> tuple[int, str]:
    base = platform.config.base_url(service)
    command = [
        *(str(Path(sys.executable).parent / "schemathesis"), "run", f"{base}/openapi.json"),
        *("--url", base),
        # An operator's token (every role but sales_rep and auditor): the fuzz is about inputs;
        # who may call what is tested by test_access_control.
        *("--header", f"Authorization: {bearer(OPERATOR_ROLES, 'fuzz-operator')['Authorization']}"),
        *("--checks", CHECKS),
        *("--phases", "examples,coverage,fuzzing,stateful"),
        *("--mode", "all"),
        *("--max-examples", str(EXAMPLES)),
        *("--seed", SEED),
        *("--workers", "1"),
        *("--request-timeout", "20"),
        *("--suppress-health-check", "all"),
        *("--generation-database", "none"),
        *("--report", "junit"),
        *("--report-junit-path", str(reports / f"{service}.xml")),
        "--no-color",
    ]
    process = await asyncio.create_subprocess_exec(
        *command,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        cwd=reports,  # its cache directory goes there, not into the work tree
    )
    output, _ = await process.communicate()
    return process.returncode or 0, output.decode(errors="replace")


def _summary(output: str) -> str:
    """`operations=24 cases=919 failures=0` from schemathesis' closing summary."""
    tested = re.search(r"Tested: (\d+)", output)
    cases = re.search(r"(\d+) generated", output)
    failures = re.search(r"found (\d+) unique failures?", output)
    return (
        f"operations={tested.group(1) if tested else '?'} "
        f"cases={cases.group(1) if cases else '?'} "
        f"failures={failures.group(1) if failures else 0}"
    )


@pytest.mark.parametrize("service", [spec.name for spec in SERVICES])
async def test_no_server_error_and_no_undocumented_answer(
    platform: Platform, service: str, tmp_path: Path
) -> None:
    code, output = await _fuzz(platform, service, tmp_path)
    print(f"FUZZ {service} {_summary(output)} examples_per_operation={EXAMPLES}")
    assert code == 0, output[-20000:]
