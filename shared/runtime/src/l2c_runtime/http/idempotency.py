"""`Idempotency-Key` on POST requests: a client that retries a command (a timeout, a lost
answer) with the same key gets the first answer again instead of a second quote or order.

The key is scoped to the caller and bound to a fingerprint of the request (method, path with
query, sha256 of the body). For a known key:
- same fingerprint, first request finished: its status and body are replayed, with the header
  `Idempotent-Replayed: true`;
- same fingerprint, first request still running: 409, retry later;
- another fingerprint: 422, a key names one request only.

A request that succeeded (2xx/3xx) keeps its key. A request refused or failed before it
committed anything changed nothing, so the key is released and a retry runs afresh: in an
event-driven platform a 404 "not known yet" often turns into a 201 a moment later. Keys are
kept `retention` (at least 24 hours) and then pruned.

The request's unit of work marks the key in its own transaction (`mark_effect_committed`):
once the command's effect is committed, the key can never run the request again, whatever
happens next. So:
- a request that committed and then failed keeps its key with the answer it gave (a retry
  gets that answer, not a second run);
- a process killed between the commit and the storing of the answer leaves the key marked but
  unanswered: a retry gets 409 `IdempotentRequestApplied` (it took effect; read the resource),
  never a second quote;
- a process killed before its commit left nothing: after `claim_timeout` another request
  takes the key over and runs afresh.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from l2c_runtime.errors import Conflict
from l2c_runtime.http.body_limit import buffered_body, send_json
from l2c_runtime.messaging_tables import idempotency_keys

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
KEY_PATTERN = r"^[\x21-\x7E]{1,255}$"
"""Printable ASCII without spaces: a UUID v4 is what clients should send."""
_VALID_KEY = re.compile(KEY_PATTERN)

CallerOf = Callable[[Scope], Awaitable[str | None]]
"""Who is calling, from the request: the subject of its verified credentials, or None when
they can't be verified (the request then passes by the key store: a stored answer is never
handed to a caller who has not proven who they are, and the route answers 401 itself)."""


async def anonymous(scope: Scope) -> str | None:
    return ""


EFFECT_COMMITTED = "infinity"
"""`locked_at` of a key whose request committed its effect: a claim that never expires."""


def _effect_committed() -> sa.ColumnElement[bool]:
    return idempotency_keys.c.locked_at == sa.literal(EFFECT_COMMITTED).cast(
        idempotency_keys.c.locked_at.type
    )


@dataclass
class _Claim:
    """The key a request holds. `token` is the `locked_at` its claim wrote: the claim is still
    this request's only while the row has it (a retry past `claim_timeout` writes its own)."""

    caller: str
    key: str
    token: datetime
    marked: bool = False
    """Its effect is committed (the row's `locked_at` is EFFECT_COMMITTED, by this request)."""
    active: bool = True
    """False once the request ended: a task it spawned that outlives it marks nothing."""


_claim_in_flight: ContextVar[_Claim | None] = ContextVar("l2c_idempotency_claim", default=None)


class ClaimTakenOver(Conflict):
    """The request outlived its claim and a retry took the key over: its effect is rolled back
    so the command is carried out once, by the retry."""


async def mark_effect_committed(session: AsyncSession) -> None:
    """Called by the unit of work inside its transaction, before it commits: when the request
    being handled holds an idempotency key, the key is marked as having taken effect in the
    same transaction as the effect itself. A claim lost to a retry raises ClaimTakenOver,
    which rolls the effect back."""
    claim = _claim_in_flight.get()
    if claim is None or not claim.active or claim.marked:
        return
    marked = await session.execute(
        sa.update(idempotency_keys)
        .where(
            idempotency_keys.c.caller == claim.caller,
            idempotency_keys.c.key == claim.key,
            idempotency_keys.c.locked_at == claim.token,
        )
        .values(locked_at=sa.literal(EFFECT_COMMITTED).cast(idempotency_keys.c.locked_at.type))
        .returning(idempotency_keys.c.key)
    )
    if marked.first() is None:
        raise ClaimTakenOver(
            f"this request ran longer than its {HEADER} claim and a retry took the key over; "
            "nothing was done by it"
        )
    claim.marked = True


class IdempotencyMiddleware:
    """ASGI middleware over a service's API; it must run inside the BodyLimitMiddleware, which
    has read the body. `engine` is looked up per request (`engine_of`), since it is created
    with the app's runtime."""

    def __init__(
        self,
        app: ASGIApp,
        engine_of: Callable[[Scope], AsyncEngine],
        caller_of: CallerOf = anonymous,
        claim_timeout: timedelta = timedelta(seconds=60),
    ) -> None:
        self.app = app
        self.engine_of = engine_of
        self.caller_of = caller_of
        self.claim_timeout = claim_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        key = _header(scope, b"idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        if not _VALID_KEY.match(key):
            await _answer(
                send,
                422,
                {
                    "detail": f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII "
                    "characters without spaces (a UUID is best)",
                    "error": "InvalidIdempotencyKey",
                },
            )
            return
        caller = await self.caller_of(scope)
        if caller is None:
            await self.app(scope, receive, send)
            return
        fingerprint = _fingerprint(scope)
        engine = self.engine_of(scope)
        stored = await self._claim(engine, caller, key, fingerprint)
        if not isinstance(stored, datetime):
            await self._answer_known(send, key, fingerprint, stored)
            return
        claim = _Claim(caller, key, stored)
        status: int | None = None
        content_type: bytes | None = None
        body: list[bytes] = []
        held: list[Message] = []

        async def capture(message: Message) -> None:
            # The answer is held back until it is stored: a client that retries the moment it
            # has its answer must find the key settled, not "still being handled".
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                content_type = dict(message.get("headers", ())).get(b"content-type")
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))
            held.append(message)

        reset = _claim_in_flight.set(claim)
        try:
            await self.app(scope, receive, capture)
        except BaseException:
            # Shielded: a failing or cancelled request must not leave the key claimed.
            await asyncio.shield(self._settle(engine, claim, None, None, b""))
            raise
        finally:
            claim.active = False
            _claim_in_flight.reset(reset)
        await asyncio.shield(self._settle(engine, claim, status, content_type, b"".join(body)))
        for message in held:
            await send(message)

    async def _claim(
        self, engine: AsyncEngine, caller: str, key: str, fingerprint: str
    ) -> datetime | sa.Row[Any]:
        """Claim the key for this request (the claim's token), or return the row of the
        request that holds it. A claim older than `claim_timeout` whose request never finished
        (its process died) is taken over."""
        # The statement's own time, not the transaction's: each claim's token is its own.
        now = sa.func.clock_timestamp()
        async with engine.begin() as conn:
            claimed = await conn.execute(
                insert(idempotency_keys)
                .values(
                    caller=caller,
                    key=key,
                    fingerprint=fingerprint,
                    locked_at=now,
                    created_at=now,
                )
                .on_conflict_do_nothing()
                .returning(idempotency_keys.c.locked_at)
            )
            token: datetime | None = claimed.scalar()
            if token is not None:
                return token
            taken_over = await conn.execute(
                sa.update(idempotency_keys)
                .where(
                    idempotency_keys.c.caller == caller,
                    idempotency_keys.c.key == key,
                    idempotency_keys.c.fingerprint == fingerprint,
                    idempotency_keys.c.status_code.is_(None),
                    idempotency_keys.c.locked_at < now - self.claim_timeout,
                )
                .values(locked_at=now)
                .returning(idempotency_keys.c.locked_at)
            )
            retaken: datetime | None = taken_over.scalar()
            if retaken is not None:
                return retaken
            row = (
                await conn.execute(
                    sa.select(
                        idempotency_keys, _effect_committed().label("effect_committed")
                    ).where(idempotency_keys.c.caller == caller, idempotency_keys.c.key == key)
                )
            ).first()
        if row is None:  # released meanwhile by a request that failed: claim it again
            return await self._claim(engine, caller, key, fingerprint)
        return row

    async def _settle(
        self,
        engine: AsyncEngine,
        claim: _Claim,
        status: int | None,
        content_type: bytes | None,
        body: bytes,
    ) -> None:
        """Store the answer or free the key, touching the row only while it is still this
        request's: marked by it, or still holding its claim's token (a retry that took the
        key over owns it now)."""
        where = (
            idempotency_keys.c.caller == claim.caller,
            idempotency_keys.c.key == claim.key,
            _effect_committed() if claim.marked else idempotency_keys.c.locked_at == claim.token,
        )
        answer = idempotency_keys.update().values(
            status_code=status,
            response_body=body,
            content_type=None if content_type is None else content_type.decode(),
        )
        try:
            async with engine.begin() as conn:
                if claim.marked and status is not None:
                    # after the effect committed, any answer (even a refusal) is the key's
                    await conn.execute(answer.where(*where))
                elif claim.marked:
                    pass  # an exception escaped after the commit: 409 IdempotentRequestApplied
                elif status is not None and 200 <= status < 400:
                    await conn.execute(answer.where(*where))  # succeeded without a unit of work
                else:
                    # refused or failed before committing anything: the key is free again
                    await conn.execute(sa.delete(idempotency_keys).where(*where))
        except Exception:
            # The answer went out; a retry gets 409 (IdempotentRequestApplied once the effect
            # committed, else IdempotencyKeyInUse until the claim times out and it runs).
            log.exception("could not store the answer of idempotency key %r", claim.key)

    async def _answer_known(
        self, send: Send, key: str, fingerprint: str, stored: sa.Row[Any]
    ) -> None:
        if stored.fingerprint != fingerprint:
            await _answer(
                send,
                422,
                {
                    "detail": f"{HEADER} {key!r} was used for another request (other method, "
                    "path or body); use a new key for a new request",
                    "error": "IdempotencyKeyReused",
                },
            )
            return
        if stored.status_code is None and stored.effect_committed:
            await _answer(
                send,
                409,
                {
                    "detail": f"the request with {HEADER} {key!r} took effect but its answer "
                    "is not stored (not yet, or the service stopped before storing it); it "
                    "will not run again: retry in a moment or read the resource",
                    "error": "IdempotentRequestApplied",
                },
            )
            return
        if stored.status_code is None:
            await _answer(
                send,
                409,
                {
                    "detail": f"a request with {HEADER} {key!r} is still being handled; "
                    "retry in a moment",
                    "error": "IdempotencyKeyInUse",
                },
            )
            return
        headers = [(REPLAYED_HEADER.lower().encode(), b"true")]
        if stored.content_type is not None:
            headers.append((b"content-type", stored.content_type.encode()))
        body = bytes(stored.response_body or b"")
        headers.append((b"content-length", str(len(body)).encode()))
        await send(
            {"type": "http.response.start", "status": stored.status_code, "headers": headers}
        )
        await send({"type": "http.response.body", "body": body})


async def prune_idempotency_keys(engine: AsyncEngine, retention: timedelta) -> int:
    """Delete keys older than `retention`; returns how many."""
    async with engine.begin() as conn:
        deleted = await conn.execute(
            sa.delete(idempotency_keys).where(
                idempotency_keys.c.created_at < sa.func.now() - retention
            )
        )
    return int(deleted.rowcount or 0)


def _fingerprint(scope: Scope) -> str:
    digest = hashlib.sha256()
    digest.update(scope["method"].encode() + b"\n")
    digest.update(scope.get("raw_path") or scope["path"].encode())
    digest.update(b"?" + scope.get("query_string", b"") + b"\n")
    digest.update(buffered_body(scope))
    return digest.hexdigest()


def _header(scope: Scope, name: bytes) -> str | None:
    for header, value in scope.get("headers", ()):
        if header == name:
            return str(value.decode("latin-1"))
    return None


async def _answer(send: Send, status: int, payload: dict[str, str]) -> None:
    await send_json(send, status, json.dumps(payload).encode())
