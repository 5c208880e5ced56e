"""Bounded text for every string that crosses the platform's edge: HTTP bodies, query
parameters and events.

PostgreSQL cannot store NUL in `text`, and control characters in a name or a reference break
logs, documents and CSV exports downstream: they are refused here, once, with a reason, rather
than failing deep inside a handler. Tab, line feed and carriage return stay allowed (a comment
may have several lines). Each preset carries the length its meaning allows; a field that needs
another length writes `PlainText` with its own `Field(max_length=...)`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

# C0 controls except \t \n \r, DEL, and lone surrogates (they cannot be encoded as UTF-8).
_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
PLAIN_TEXT_PATTERN = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]*$"


def refuse_control_characters(value: str) -> str:
    """The value unchanged, or a ValueError naming the first invalid character."""
    found = _INVALID.search(value)
    if found is not None:
        raise ValueError(
            f"control character U+{ord(found.group()):04X} at position {found.start()} "
            "is not allowed"
        )
    return value


class _NoControlCharacters:
    """Pydantic annotation: validates after the string schema, documents a pattern."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(
            refuse_control_characters, handler(source)
        )

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = PLAIN_TEXT_PATTERN
        return json_schema


PlainText = Annotated[str, _NoControlCharacters()]
"""A string without NUL or other control characters (tab and newlines allowed)."""

Code = Annotated[PlainText, StringConstraints(min_length=1, max_length=64)]
"""A short identifier a person chose: product code, price book, segment, region, rule name."""

Name = Annotated[PlainText, StringConstraints(min_length=1, max_length=200)]
"""A name or a title: a person, a company, an actor, a document."""

Reference = Annotated[PlainText, StringConstraints(min_length=1, max_length=200)]
"""An identifier from another system: a bank reference, an external id, a PO number."""

Note = Annotated[PlainText, StringConstraints(max_length=4000)]
"""Free text a person wrote: a comment, a reason, a description."""

Email = Annotated[PlainText, StringConstraints(min_length=3, max_length=254)]
"""An e-mail address (RFC 5321 caps a path at 254 characters)."""

MAX_LIST_ITEMS = 500
"""The most items one request or event may list (lines, options, contacts)."""

MAX_TEXT = 4000
"""The longest string any request or event field takes unless the field says otherwise."""


def refuse_control_characters_within(value: Any) -> Any:
    """`refuse_control_characters` on a string, or on every string inside lists, tuples and
    dict keys and values; anything else unchanged."""
    if isinstance(value, str):
        return refuse_control_characters(value)
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            refuse_control_characters_within(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_control_characters_within(key)
            refuse_control_characters_within(item)
    return value


class BoundedModel(BaseModel):
    """Base of every request body and event: no string longer than MAX_TEXT characters (a
    field may set a smaller `max_length`), no control characters in any string, however
    deeply nested. Nested models should be BoundedModels too: the length cap applies per
    model."""

    model_config = ConfigDict(str_max_length=MAX_TEXT)

    @model_validator(mode="after")
    def _no_control_characters(self) -> Any:
        # One pass over the validated values (not a validator per field: this runs for every
        # event a consumer reads, tens of thousands a second).
        search = _INVALID.search
        for name, value in self.__dict__.items():
            if type(value) is str:
                if search(value) is None:
                    continue
            elif not isinstance(value, _CONTAINERS):
                continue
            try:
                refuse_control_characters_within(value)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
        return self


_CONTAINERS = (list, tuple, dict, set, frozenset)
