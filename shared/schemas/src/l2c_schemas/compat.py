"""Breaking-change detection between two JSON Schemas of the same event.

A published event type (`l2c.<context>.<Event>.v<major>`) must stay compatible in *both*
directions for as long as its major version lives:

* forward: consumers built against the old schema must understand what new producers emit;
* backward: consumers built against the new schema must understand old events still on the
  topic (retention, replay, dead-letter re-drive).

Consumers ignore fields they do not know (`extra="ignore"`), so the rules are:

Breaking (reported):
  * a required property removed (old consumers need it);
  * a property added as required, or an optional property becoming required (old events
    lack it);
  * a required property becoming optional (new producers may omit what old consumers need);
  * a property's type changed: JSON type, string `format` (uuid, date, date-time, email...),
    array item type, nested object shape (`$ref` into `$defs` is followed), and nullability
    in either direction (`X` <-> `X | None`: old consumers reject null, new consumers reject
    old nulls);
  * an enum / Literal losing a value (old events carrying it are rejected by new consumers);
  * an enum / Literal gaining a value — **breaking by default**. The L2C models are
    `Literal[...]` types that Pydantic validates strictly, so an old consumer would reject
    (dead-letter) an event carrying the new value: unknown *fields* are ignored, unknown
    *values* are not. Pass `allow_enum_additions=True` for consumers known to tolerate
    unknown values. Add a value by publishing a new major version, or only after every
    consumer has been deployed with the widened Literal.

Compatible (not reported):
  * adding an optional property;
  * removing an optional property (consumers already cope with its absence);
  * changes to titles, descriptions, defaults, and length/pattern/range constraints.

Pure: no I/O. Each schema's `$ref`s are resolved against that schema's own `$defs`.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_NULL = "null"
# Keywords beside a `$ref` that do not change what validates (not merged into the target).
_ANNOTATIONS = frozenset(
    {
        "$defs",
        "definitions",
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "x-topic",
    }
)


def breaking_changes(old: Schema, new: Schema, *, allow_enum_additions: bool = False) -> list[str]:
    """Human-readable breaking changes from `old` to `new` (empty list: compatible).

    Each entry starts with the dotted path of the property (`lines[].amount.amount`)."""
    checker = _Checker(old, new, allow_enum_additions=allow_enum_additions)
    checker.compare(old, new, "")
    return checker.problems


class _Checker:
    def __init__(self, old_root: Schema, new_root: Schema, *, allow_enum_additions: bool):
        self.old_root = old_root
        self.new_root = new_root
        self.allow_enum_additions = allow_enum_additions
        self.problems: list[str] = []
        self._active: set[tuple[int, int]] = set()

    # -- resolution -------------------------------------------------------------------
    @staticmethod
    def _resolve(schema: Schema, root: Schema) -> Schema:
        """Follow local `$ref`s (`#/$defs/X`, `#/definitions/X`, `#`) until a real schema."""
        hops = 0
        while isinstance(schema, dict) and "$ref" in schema:
            ref = schema["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#"):
                raise ValueError(f"only local $ref is supported, got {ref!r}")
            target: Any = root
            for part in (p for p in ref[1:].split("/") if p):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            siblings = {k: v for k, v in schema.items() if k != "$ref" and k not in _ANNOTATIONS}
            schema = {**target, **siblings} if siblings else target
            hops += 1
            if hops > 64:
                raise ValueError(f"$ref cycle at {ref!r}")
        return schema

    def _variants(self, schema: Schema, root: Schema) -> list[Schema]:
        """The alternatives of a schema: `anyOf`/`oneOf` flattened, `type: [..]` split."""
        schema = self._resolve(schema, root)
        for key in ("anyOf", "oneOf"):
            if key in schema:
                out: list[Schema] = []
                for sub in schema[key]:
                    out.extend(self._variants(sub, root))
                return out
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self._variants(schema["allOf"][0], root)
        types = schema.get("type")
        if isinstance(types, list):
            return [{**schema, "type": t} for t in types]
        return [schema]

    @staticmethod
    def _enum(schema: Schema) -> list[Any] | None:
        if "enum" in schema:
            return list(schema["enum"])
        if "const" in schema:
            return [schema["const"]]
        return None

    @staticmethod
    def _kind(schema: Schema) -> str:
        """A variant's shape: 'string:uuid', 'integer', 'object', 'enum', 'any'..."""
        if "enum" in schema or "const" in schema:
            return "enum"
        t = schema.get("type")
        if t is None:
            if "properties" in schema:
                return "object"
            if "items" in schema:
                return "array"
            return "any"
        if t == "string" and "format" in schema:
            return f"string:{schema['format']}"
        return str(t)

    # -- comparison -------------------------------------------------------------------
    def report(self, path: str, message: str) -> None:
        self.problems.append(f"{path or '<root>'}: {message}")

    def compare(self, old: Schema, new: Schema, path: str) -> None:
        old_vs = self._variants(old, self.old_root)
        new_vs = self._variants(new, self.new_root)
        old_null = any(v.get("type") == _NULL for v in old_vs)
        new_null = any(v.get("type") == _NULL for v in new_vs)
        if old_null and not new_null:
            self.report(path, "no longer accepts null")
        elif new_null and not old_null:
            self.report(path, "became nullable (old consumers reject null)")
        old_by_kind = {self._kind(v): v for v in old_vs if v.get("type") != _NULL}
        new_by_kind = {self._kind(v): v for v in new_vs if v.get("type") != _NULL}
        if "any" in old_by_kind or "any" in new_by_kind:
            if set(old_by_kind) != set(new_by_kind):
                self.report(path, f"type changed from {_show(old_by_kind)} to {_show(new_by_kind)}")
            return
        if set(old_by_kind) != set(new_by_kind):
            self.report(path, f"type changed from {_show(old_by_kind)} to {_show(new_by_kind)}")
        for kind in sorted(set(old_by_kind) & set(new_by_kind)):
            o, n = old_by_kind[kind], new_by_kind[kind]
            if kind == "enum":
                self._compare_enum(o, n, path)
            elif kind == "object":
                self._compare_object(o, n, path)
            elif kind == "array":
                self._compare_array(o, n, path)

    def _compare_enum(self, old: Schema, new: Schema, path: str) -> None:
        old_values = self._enum(old) or []
        new_values = self._enum(new) or []
        lost = [v for v in old_values if v not in new_values]
        gained = [v for v in new_values if v not in old_values]
        if lost:
            self.report(path, f"enum lost value(s) {', '.join(map(repr, lost))}")
        if gained and not self.allow_enum_additions:
            self.report(
                path,
                f"enum gained value(s) {', '.join(map(repr, gained))} "
                "(old consumers reject unknown values)",
            )

    def _compare_array(self, old: Schema, new: Schema, path: str) -> None:
        old_items = old.get("items", {})
        new_items = new.get("items", {})
        if isinstance(old_items, dict) and isinstance(new_items, dict):
            self.compare(old_items, new_items, f"{path}[]")

    def _compare_object(self, old: Schema, new: Schema, path: str) -> None:
        # Recursive models: the same pair of $defs already under comparison is not re-entered.
        key = (id(old), id(new))
        if key in self._active:
            return
        self._active.add(key)
        try:
            self._compare_properties(old, new, path)
        finally:
            self._active.discard(key)

    def _compare_properties(self, old: Schema, new: Schema, path: str) -> None:
        old_props: dict[str, Schema] = old.get("properties", {})
        new_props: dict[str, Schema] = new.get("properties", {})
        old_req = set(old.get("required", []))
        new_req = set(new.get("required", []))
        prefix = f"{path}." if path else ""
        for name in old_props:
            where = f"{prefix}{name}"
            if name not in new_props:
                if name in old_req:
                    self.report(where, "required property removed")
                continue
            if name in old_req and name not in new_req:
                self.report(where, "required property became optional (may now be absent)")
            elif name not in old_req and name in new_req:
                self.report(where, "optional property became required (old events lack it)")
            self.compare(old_props[name], new_props[name], where)
        for name in new_props:
            if name not in old_props and name in new_req:
                self.report(f"{prefix}{name}", "required property added (old events lack it)")


def _show(by_kind: dict[str, Schema]) -> str:
    return " | ".join(sorted(by_kind)) or "nothing"
