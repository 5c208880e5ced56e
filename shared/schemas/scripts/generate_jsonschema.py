"""Write the JSON Schema of every L2C event to shared/schemas/jsonschema/<ce_type>.json.

    uv run python shared/schemas/scripts/generate_jsonschema.py          # (re)generate
    uv run python shared/schemas/scripts/generate_jsonschema.py --check  # CI: fail if stale

Files of events that no longer exist are deleted; `--check` writes nothing and exits 1
listing the files that are missing, stale or extra.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from l2c_schemas.jsonschema import all_schemas, dumps, file_name

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "jsonschema"


def expected_files() -> dict[str, str]:
    """File name -> canonical content, for every event of the contract."""
    return {file_name(ce_type): dumps(schema) for ce_type, schema in all_schemas().items()}


def differences(directory: Path) -> list[str]:
    """Human-readable problems of `directory` compared with what the models generate."""
    expected = expected_files()
    present = {p.name: p for p in directory.glob("*.json")} if directory.is_dir() else {}
    problems: list[str] = []
    for name, text in sorted(expected.items()):
        if name not in present:
            problems.append(f"missing: {name}")
        elif present[name].read_text(encoding="utf-8") != text:
            problems.append(f"stale: {name}")
    problems.extend(f"extra: {name}" for name in sorted(set(present) - set(expected)))
    return problems


def write(directory: Path) -> list[str]:
    """Write every schema and delete files of events that no longer exist; what changed."""
    directory.mkdir(parents=True, exist_ok=True)
    expected = expected_files()
    changed: list[str] = []
    for name, text in sorted(expected.items()):
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(f"wrote {name}")
    for path in sorted(directory.glob("*.json")):
        if path.name not in expected:
            path.unlink()
            changed.append(f"deleted {path.name}")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only check, exit 1 if stale")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="output directory")
    args = parser.parse_args(argv)
    if args.check:
        problems = differences(args.dir)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(
                "JSON Schemas are out of date: run "
                "`uv run python shared/schemas/scripts/generate_jsonschema.py` (make schemas)",
                file=sys.stderr,
            )
            return 1
        print(f"{len(expected_files())} JSON Schemas up to date in {args.dir}")
        return 0
    for line in write(args.dir):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
