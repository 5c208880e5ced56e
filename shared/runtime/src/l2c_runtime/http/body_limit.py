"""Refuse a request body over the configured size with 413, before anything parses it, and
a path or query with control characters with 422 (PostgreSQL cannot store NUL; the others
break logs and documents), before any route sees them.

The body is read here (at most the limit plus one byte) and handed on to the application as
one chunk, so a client announcing a small `Content-Length` and sending more, or sending a
chunked body without a length, is caught as well.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from l2c_schemas.text import refuse_control_characters


def too_large_body(limit: int) -> bytes:
    return json.dumps(
        {
            "detail": f"request body larger than {limit} bytes",
            "error": "RequestTooLarge",
        }
    ).encode()


class BodyLimitMiddleware:
    """ASGI middleware: `limit` bytes for every request, `per_path` for paths starting with
    one of its keys (e.g. a bulk import that takes more)."""

    def __init__(self, app: ASGIApp, limit: int, per_path: Mapping[str, int] | None = None):
        self.app = app
        self.limit = limit
        self.per_path = dict(per_path or {})

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.per_path.items():
            if path.startswith(prefix):
                return limit
        return self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _control_characters_in_url(scope)
        if problem is not None:
            await _answer(send, 422, {"detail": problem, "error": "InvalidCharacters"})
            return
        limit = self.limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        scope.setdefault("state", {})["body"] = body
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: only the disconnect is left

        await self.app(scope, replay, send)


def buffered_body(scope: Scope) -> bytes:
    """The body the BodyLimitMiddleware read for this request."""
    state: dict[str, Any] = scope.get("state", {})
    body: bytes = state.get("body", b"")
    return body


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _control_characters_in_url(scope: Scope) -> str | None:
    query = scope.get("query_string", b"").decode("latin-1")
    try:
        refuse_control_characters(scope["path"])
        for name, value in parse_qsl(query, keep_blank_values=True):
            refuse_control_characters(name)
            refuse_control_characters(value)
    except ValueError as exc:
        return f"path or query: {exc}"
    return None


async def _refuse(send: Send, limit: int) -> None:
    await send_json(send, 413, too_large_body(limit), close=True)


async def _answer(send: Send, status: int, payload: dict[str, str]) -> None:
    await send_json(send, status, json.dumps(payload).encode())


async def send_json(send: Send, status: int, body: bytes, close: bool = False) -> None:
    """Answer with a JSON body, without the application."""
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
