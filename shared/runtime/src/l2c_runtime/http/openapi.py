"""The answers every operation may give, documented once for every service's OpenAPI.

The runtime maps a refused command to 404, 409 or 422 with `{"detail", "error"}` (see
`service._add_error_handlers`), a body over the limit to 413, and an `Idempotency-Key` in use
or reused to 409 or 422: each operation's schema says so, so a client (or a fuzzer checking
conformance) knows every status it can get.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from l2c_runtime.http.idempotency import HEADER, KEY_PATTERN, MAX_KEY_LENGTH, REPLAYED_HEADER

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"$ref": "#/components/schemas/ValidationError"}},
            ]
        },
        "error": {"type": "string", "description": "the kind of error, e.g. Conflict"},
    },
    "required": ["detail"],
}

PDF_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the document as a PDF",
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
    }
}
"""`responses=` of an operation that answers a PDF (with `response_class=Response`)."""

_ANSWERS = {
    "404": "Not found: the resource, or something the request names, does not exist",
    "409": "Conflict: the resource is not in a state that allows this, or a request with the "
    "same Idempotency-Key is still running",
    "422": "The request breaks a limit or a business rule; `detail` says which",
}
_SECURED_ANSWERS = {
    "401": "No bearer token, or one that is expired, badly signed or for another audience "
    "(see the WWW-Authenticate header)",
    "403": "The token's roles lack the scope this operation needs (named in `scope`)",
    "503": "The token issuer's keys cannot be fetched now; retry after the Retry-After delay",
}
_NOT_JSON = "The body is not JSON"
_BODY_TOO_LARGE = "Request body over the service's limit, or an event it causes over the bus's"

_IDEMPOTENCY_PARAMETER: dict[str, Any] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": "A unique key (a UUID) per request: a retry with the same key and body "
    "gets the first answer again (with `Idempotent-Replayed: true`) instead of a second "
    "effect; the same key with another body gets 422. Kept at least 24 hours.",
    "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH, "pattern": KEY_PATTERN},
}


def document_common_answers(app: FastAPI) -> None:
    """Make `app.openapi()` list the runtime's answers on every operation."""

    # Built on whatever the app documents already (the security schemes and each
    # operation's scope, when authentication is installed first).
    previous = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None and getattr(app, "_l2c_answers_added", False):
            return app.openapi_schema
        schema = previous()
        _add_answers(schema)
        app.openapi_schema = schema
        app._l2c_answers_added = True  # type: ignore[attr-defined]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_answers(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    components.setdefault("ValidationError", _VALIDATION_ERROR)
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in schema.get("paths", {}).values():
        for method, operation in path_item.items():
            responses = operation.setdefault("responses", {})
            for code, description in _ANSWERS.items():
                # A 422 may be pydantic's field errors or a broken rule: one schema for both.
                responses[code] = {"description": description, "content": error}
            if operation.get("security"):
                for code, description in _SECURED_ANSWERS.items():
                    responses[code] = {"description": description, "content": error}
            if "requestBody" in operation or method == "post":
                responses["400"] = {"description": _NOT_JSON, "content": error}
                responses["413"] = {"description": _BODY_TOO_LARGE, "content": error}
            if method == "post":
                operation.setdefault("parameters", []).append(_IDEMPOTENCY_PARAMETER)
                for code, answer in responses.items():
                    if code.startswith("2"):
                        answer.setdefault("headers", {})[REPLAYED_HEADER] = {
                            "description": "true when this is the stored answer of an "
                            "earlier request with the same Idempotency-Key",
                            "schema": {"type": "string", "enum": ["true"]},
                        }


_VALIDATION_ERROR: dict[str, Any] = {
    "title": "ValidationError",
    "type": "object",
    "properties": {
        "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
        "msg": {"type": "string"},
        "type": {"type": "string"},
    },
    "required": ["loc", "msg", "type"],
}
