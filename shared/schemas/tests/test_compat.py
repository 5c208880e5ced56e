"""breaking_changes() on hand-made schemas, and the published contract against git history."""

from __future__ import annotations

import contextlib
import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from l2c_schemas.compat import breaking_changes
from l2c_schemas.jsonschema import all_schemas, schema_of
from l2c_schemas.registry import MESSAGE_TYPES

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "jsonschema"

MONEY = {
    "type": "object",
    "properties": {
        "amount": {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    },
    "required": ["amount", "currency"],
}


def base() -> dict[str, Any]:
    """A small event schema in the shape Pydantic generates."""
    return {
        "$defs": {
            "Money": copy.deepcopy(MONEY),
            "Line": {
                "type": "object",
                "properties": {
                    "line_no": {"type": "integer"},
                    "amount": {"$ref": "#/$defs/Money"},
                },
                "required": ["line_no", "amount"],
            },
        },
        "type": "object",
        "title": "l2c.test.Thing.v1",
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "name": {"type": "string"},
            "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
            "status": {"type": "string", "enum": ["open", "closed"]},
            "total": {"$ref": "#/$defs/Money"},
            "discount": {"anyOf": [{"$ref": "#/$defs/Money"}, {"type": "null"}], "default": None},
            "lines": {"type": "array", "items": {"$ref": "#/$defs/Line"}},
            "at": {"type": "string", "format": "date-time"},
        },
        "required": ["id", "name", "status", "total", "lines", "at"],
    }


def test_identical_schemas_are_compatible() -> None:
    assert breaking_changes(base(), base()) == []


def test_cosmetic_changes_are_compatible() -> None:
    new = base()
    new["title"] = "Renamed"
    new["properties"]["name"]["description"] = "the name"
    new["properties"]["name"]["maxLength"] = 200
    new["properties"]["note"]["default"] = "n/a"
    assert breaking_changes(base(), new) == []


def test_required_property_removed() -> None:
    new = base()
    del new["properties"]["name"]
    new["required"].remove("name")
    assert breaking_changes(base(), new) == ["name: required property removed"]


def test_optional_property_removed_is_compatible() -> None:
    new = base()
    del new["properties"]["note"]
    assert breaking_changes(base(), new) == []


def test_optional_property_added_is_compatible() -> None:
    new = base()
    new["properties"]["extra"] = {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    assert breaking_changes(base(), new) == []


def test_required_property_added_is_breaking() -> None:
    new = base()
    new["properties"]["extra"] = {"type": "integer"}
    new["required"].append("extra")
    assert breaking_changes(base(), new) == ["extra: required property added (old events lack it)"]


def test_property_retyped() -> None:
    new = base()
    new["properties"]["name"] = {"type": "integer"}
    assert breaking_changes(base(), new) == ["name: type changed from string to integer"]


def test_string_format_changed() -> None:
    new = base()
    new["properties"]["id"] = {"type": "string"}
    assert breaking_changes(base(), new) == ["id: type changed from string:uuid to string"]


def test_nested_money_amount_retyped() -> None:
    new = base()
    new["$defs"]["Money"]["properties"]["amount"] = {"type": "number"}
    problems = breaking_changes(base(), new)
    assert problems == [
        "total.amount: type changed from string to number",
        "discount.amount: type changed from string to number",
        "lines[].amount.amount: type changed from string to number",
    ]


def test_ref_replaced_by_inline_identical_object_is_compatible() -> None:
    new = base()
    new["properties"]["total"] = copy.deepcopy(MONEY)
    assert breaking_changes(base(), new) == []


def test_array_items_retyped() -> None:
    new = base()
    new["properties"]["lines"]["items"] = {"type": "string"}
    assert breaking_changes(base(), new) == ["lines[]: type changed from object to string"]


def test_array_became_object() -> None:
    new = base()
    new["properties"]["lines"] = {"$ref": "#/$defs/Line"}
    assert breaking_changes(base(), new) == ["lines: type changed from array to object"]


def test_optional_became_required() -> None:
    new = base()
    new["properties"]["note"] = {"type": "string"}
    new["required"].append("note")
    problems = breaking_changes(base(), new)
    assert "note: optional property became required (old events lack it)" in problems
    assert "note: no longer accepts null" in problems


def test_required_became_optional() -> None:
    new = base()
    new["required"].remove("name")
    assert breaking_changes(base(), new) == [
        "name: required property became optional (may now be absent)"
    ]


def test_became_nullable() -> None:
    new = base()
    new["properties"]["total"] = {"anyOf": [{"$ref": "#/$defs/Money"}, {"type": "null"}]}
    assert breaking_changes(base(), new) == ["total: became nullable (old consumers reject null)"]


def test_nested_required_field_removed() -> None:
    new = base()
    new["$defs"]["Line"]["properties"].pop("line_no")
    new["$defs"]["Line"]["required"].remove("line_no")
    assert breaking_changes(base(), new) == ["lines[].line_no: required property removed"]


def test_enum_losing_a_value_is_breaking() -> None:
    new = base()
    new["properties"]["status"]["enum"] = ["open"]
    assert breaking_changes(base(), new) == ["status: enum lost value(s) 'closed'"]


def test_enum_gaining_a_value_is_breaking_by_default_and_allowed_on_request() -> None:
    new = base()
    new["properties"]["status"]["enum"] = ["open", "closed", "void"]
    assert breaking_changes(base(), new) == [
        "status: enum gained value(s) 'void' (old consumers reject unknown values)"
    ]
    assert breaking_changes(base(), new, allow_enum_additions=True) == []


def test_const_is_an_enum_of_one() -> None:
    old = base()
    old["properties"]["status"] = {"const": "open", "type": "string"}
    new = base()
    new["properties"]["status"] = {"enum": ["open"], "type": "string"}
    assert breaking_changes(old, new) == []
    new["properties"]["status"] = {"const": "closed", "type": "string"}
    assert breaking_changes(old, new) == [
        "status: enum lost value(s) 'open'",
        "status: enum gained value(s) 'closed' (old consumers reject unknown values)",
    ]


def test_enum_became_free_string() -> None:
    new = base()
    new["properties"]["status"] = {"type": "string"}
    assert breaking_changes(base(), new) == ["status: type changed from enum to string"]


def test_recursive_schema_terminates() -> None:
    node: dict[str, Any] = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                    "parent": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
                },
                "required": ["name"],
            }
        },
        "$ref": "#/$defs/Node",
    }
    assert breaking_changes(node, copy.deepcopy(node)) == []
    changed = copy.deepcopy(node)
    changed["$defs"]["Node"]["properties"]["name"] = {"type": "integer"}
    assert breaking_changes(node, changed) == ["name: type changed from string to integer"]


def test_real_models_field_retyped() -> None:
    """Editing a real generated schema the way a careless model change would."""
    old = schema_of(MESSAGE_TYPES["l2c.billing.InvoiceIssued.v1"])
    new = copy.deepcopy(old)
    new["properties"]["issue_date"]["format"] = "date-time"
    new["$defs"]["InvoiceLine"]["properties"]["quantity"] = {"type": "number"}
    assert breaking_changes(old, new) == [
        "issue_date: type changed from string:date to string:date-time",
        "lines[].quantity: type changed from string to number",
    ]


# -- the published contract never breaks --------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def published_versions(repo: Path, path: Path) -> list[tuple[str, str]]:
    """(commit, text) of every committed version of `path`. Renames are not followed: the
    file name is the CloudEvents type, so a new name is a new contract (git's rename detection
    would otherwise take a similar new event for an old one)."""
    rel = path.resolve().relative_to(repo.resolve()).as_posix()
    out = _git(repo, "log", "--no-renames", "--format=commit %H", "--name-only", "--", rel)
    versions: list[tuple[str, str]] = []
    sha: str | None = None
    for line in out.splitlines():
        if line.startswith("commit "):
            sha = line.split()[1]
        elif line.strip() and sha is not None:
            with contextlib.suppress(subprocess.CalledProcessError):  # commit deleted it
                versions.append((sha, _git(repo, "show", f"{sha}:{line.strip()}")))
            sha = None
    return versions


def _repo_root() -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    try:
        return Path(_git(SCHEMA_DIR, "rev-parse", "--show-toplevel").strip())
    except (subprocess.CalledProcessError, OSError):
        pytest.skip("not inside a git work tree")


CHECKED_IN = sorted(p.name for p in SCHEMA_DIR.glob("*.json"))


@pytest.mark.parametrize("name", CHECKED_IN)
def test_no_breaking_change_against_any_published_version(name: str) -> None:
    repo = _repo_root()
    path = SCHEMA_DIR / name
    ce_type = name.removesuffix(".json")
    current = all_schemas().get(ce_type)
    assert current is not None, (
        f"{name} is published but {ce_type} is no longer a message type: an event type "
        "is never removed within its major version"
    )
    versions = published_versions(repo, path)
    if not versions:
        pytest.skip(f"{name} has no git history yet")
    problems = [
        f"{sha[:12]}: {problem}"
        for sha, text in versions
        for problem in breaking_changes(json.loads(text), current)
    ]
    assert not problems, (
        f"{ce_type} breaks its published contract; publish a new major version "
        f"(…v2) instead:\n" + "\n".join(problems)
    )


def test_history_is_read_across_commits(tmp_path: Path) -> None:
    """The history reader on a throwaway repository (so the test above cannot pass vacuously)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    _git(tmp_path, "init", "-q")
    for key, value in (
        ("user.email", "t@example.com"),
        ("user.name", "t"),
        ("commit.gpgsign", "false"),
    ):
        _git(tmp_path, "config", key, value)
    v1 = base()
    (tmp_path / "a.json").write_text(json.dumps(v1))
    _git(tmp_path, "add", "a.json")
    _git(tmp_path, "commit", "-q", "-m", "v1")
    v2 = base()
    v2["properties"]["extra"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    (tmp_path / "a.json").write_text(json.dumps(v2))
    _git(tmp_path, "commit", "-q", "-am", "v2")
    (tmp_path / "b.json").write_text(json.dumps(v2))  # a new event that looks just like it
    _git(tmp_path, "add", "b.json")
    _git(tmp_path, "commit", "-q", "-m", "another event")

    versions = published_versions(tmp_path, tmp_path / "a.json")
    assert [json.loads(text) for _, text in versions] == [v2, v1]
    assert len(published_versions(tmp_path, tmp_path / "b.json")) == 1

    broken = base()
    broken["properties"]["name"] = {"type": "integer"}
    problems = [p for _, text in versions for p in breaking_changes(json.loads(text), broken)]
    assert problems == ["name: type changed from string to integer"] * 2
