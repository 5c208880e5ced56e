"""JSON Schema of every event of the contract, for consumers that do not use these models.

The schemas describe what is on the wire: they are generated in *serialization* mode, i.e.
the JSON a producer writes with `model_dump_json()` (for these models validation mode gives
the same result: money and decimals are strings in both directions). Each schema carries the
CloudEvents type as `$id` and `title`, and the topic it travels on as `x-topic`.

Pure functions, no I/O; `scripts/generate_jsonschema.py` writes them to `jsonschema/`.
"""

from __future__ import annotations

import json
from typing import Any

from l2c_schemas.base import Message
from l2c_schemas.registry import MESSAGE_TYPES

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_of(model: type[Message]) -> dict[str, Any]:
    """The JSON Schema of one message type, as it travels (serialization mode)."""
    if not model.ce_type:
        raise ValueError(f"{model.__name__} has no ce_type: it is not a published message")
    schema: dict[str, Any] = model.model_json_schema(mode="serialization")
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = model.ce_type
    schema["title"] = model.ce_type
    schema["x-topic"] = model.topic
    return schema


def all_schemas() -> dict[str, dict[str, Any]]:
    """Every message type's schema, keyed by CloudEvents type (sorted by type)."""
    return {ce_type: schema_of(MESSAGE_TYPES[ce_type]) for ce_type in sorted(MESSAGE_TYPES)}


def dumps(schema: dict[str, Any]) -> str:
    """The canonical text of a schema file: pretty, sorted keys, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def file_name(ce_type: str) -> str:
    """`<ce_type>.json`, the file of one event in `shared/schemas/jsonschema/`."""
    return f"{ce_type}.json"
