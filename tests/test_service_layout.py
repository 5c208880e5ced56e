"""Every service has the layout docs/architecture.md describes ("Inside a service"): the same
top-level entries in its package, and a `domain/` that imports no I/O library and not the
runtime. Reads the source as text (ast), so it needs nothing running."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[1] / "services"

# Present in every service package.
REQUIRED = frozenset(
    {"__init__.py", "app.py", "consumers.py", "domain", "handlers", "adapters", "api"}
)
# Present where the service has them: periodic jobs, settings read from the environment.
OPTIONAL = frozenset({"jobs.py", "config.py", "py.typed"})
# Libraries that do I/O or wire the process; domain rules stay free of them.
FORBIDDEN_IN_DOMAIN = ("sqlalchemy", "fastapi", "aiokafka", "faststream", "asyncpg", "l2c_runtime")
IGNORED = {"__pycache__"}


def _packages() -> list[Path]:
    found = []
    for service in sorted(p for p in SERVICES.iterdir() if p.is_dir()):
        packages = [p for p in (service / "src").iterdir() if p.is_dir() and p.name not in IGNORED]
        assert len(packages) == 1, f"{service.name}: expected one package under src/"
        found.append(packages[0])
    return found


PACKAGES = _packages()


def test_every_service_is_found() -> None:
    assert len(PACKAGES) >= 6


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_top_level_entries(package: Path) -> None:
    entries = {p.name for p in package.iterdir() if p.name not in IGNORED}
    assert entries >= REQUIRED, f"missing: {sorted(REQUIRED - entries)}"
    assert entries <= REQUIRED | OPTIONAL, (
        f"not in the layout: {sorted(entries - REQUIRED - OPTIONAL)}"
    )
    for sub in ("domain", "handlers", "adapters", "api"):
        assert (package / sub / "__init__.py").is_file(), f"{sub}/ is not a package"


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_domain_imports_no_io_and_no_runtime(package: Path) -> None:
    offences = []
    for module in sorted((package / "domain").rglob("*.py")):
        for imported in sorted(_imported_modules(module)):
            if imported.split(".")[0] in FORBIDDEN_IN_DOMAIN:
                offences.append(f"{module.relative_to(package)} imports {imported}")
            if imported.split(".")[0] == package.name and imported.split(".")[1:2] != ["domain"]:
                offences.append(
                    f"{module.relative_to(package)} imports {imported} (outside domain)"
                )
    assert offences == []


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_routes_hold_no_sql(package: Path) -> None:
    """Routes call handlers and stores; only the database's exceptions may be named there."""
    offences = [
        f"{module.relative_to(package)} imports {imported}"
        for module in sorted((package / "api").rglob("*.py"))
        for imported in sorted(_imported_modules(module))
        if imported.split(".")[0] == "sqlalchemy" and imported != "sqlalchemy.exc"
    ]
    assert offences == []


def test_the_checker_sees_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import sqlalchemy as sa\nfrom l2c_runtime.errors import Conflict\n"
        "def f():\n    from fastapi import APIRouter\n"
    )
    assert _imported_modules(sample) == {"sqlalchemy", "l2c_runtime.errors", "fastapi"}


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.name)
def test_migrations_are_frozen(package: Path) -> None:
    """A revision states its DDL; it never builds tables from the code's current definitions,
    which would make an old revision's result change whenever the code does."""
    versions = package.parents[1] / "migrations" / "versions"
    offences = [
        f"{revision.name} imports {imported}"
        for revision in sorted(versions.glob("*.py"))
        for imported in sorted(_imported_modules(revision))
        if imported.split(".")[0] == package.name
    ]
    assert offences == []
