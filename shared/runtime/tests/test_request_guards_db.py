"""The runtime's guards in front of every API, on a real PostgreSQL: a body over the limit gets
413 before parsing; an `Idempotency-Key` replays the first answer, refuses another body with
the same key (422) and a concurrent duplicate (409); an event over the bus's record limit is
refused when emitted (413) and its transaction leaves nothing behind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI, Request
from pydantic import BaseModel

from l2c_platform.testing import FixedClock, empty_database
from l2c_runtime.db import create_engine, session_factory
from l2c_runtime.http.idempotency import prune_idempotency_keys
from l2c_runtime.messaging_tables import (
    idempotency_keys,
    messaging_metadata,
    outbox,
)
from l2c_runtime.service import _add_error_handlers, add_request_guards
from l2c_runtime.unit_of_work import unit_of_work_factory
from l2c_schemas.lead import LeadSubmitted

pytestmark = pytest.mark.integration

DB = "l2c_runtime_request_guards_tests"
notes = sa.Table("notes", sa.MetaData(), sa.Column("text", sa.Text))


class Note(BaseModel):
    text: str


@pytest.fixture
async def api() -> AsyncIterator[SimpleNamespace]:
    url = await empty_database(DB)
    engine = create_engine(url, 4)
    async with engine.begin() as conn:
        await conn.run_sync(messaging_metadata.create_all)
        await conn.run_sync(notes.metadata.create_all)
    uow = unit_of_work_factory(session_factory(engine), FixedClock(), "/test", 4096)
    app = FastAPI()
    app.state.runtime = SimpleNamespace(engine=engine)
    gate = asyncio.Event()
    gate.set()
    committed = asyncio.Event()

    @app.post("/notes", status_code=201)
    async def add_note(note: Note) -> dict[str, Any]:
        await gate.wait()
        async with uow() as unit:
            await unit.session.execute(sa.insert(notes).values(text=note.text))
            # Unvalidated, as a handler's own event may be: the size check is the last guard.
            event = LeadSubmitted.model_construct(
                email="a@example.com", full_name=note.text, company="Acme", external_id="x"
            )
            await unit.emit(event)
            count = await unit.session.scalar(sa.select(sa.func.count()).select_from(notes))
        return {"notes": count}

    @app.post("/fail")
    async def fail(request: Request) -> None:
        raise RuntimeError("boom")

    @app.post("/notes-then-fail")
    async def add_note_then_fail(note: Note) -> None:
        async with uow() as unit:
            await unit.session.execute(sa.insert(notes).values(text=note.text))
        raise RuntimeError("failed after its commit")

    slow_once: list[bool] = []

    @app.post("/notes-slowly", status_code=201)
    async def add_note_slowly(note: Note) -> dict[str, Any]:
        async with uow() as unit:
            await unit.session.execute(sa.insert(notes).values(text=note.text))
            if not slow_once:
                slow_once.append(True)
                await asyncio.sleep(1.6)  # a lock wait, a paused process: past the claim
        return {"text": note.text}

    @app.post("/notes-then-stall", status_code=201)
    async def add_note_then_stall(note: Note) -> dict[str, Any]:
        first = not committed.is_set()
        async with uow() as unit:
            await unit.session.execute(sa.insert(notes).values(text=note.text))
        committed.set()
        if first:
            await asyncio.Event().wait()  # killed here, before any answer
        return {}

    _add_error_handlers(app)
    add_request_guards(app, max_body_bytes=8192, claim_timeout=timedelta(seconds=1))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        yield SimpleNamespace(http=http, engine=engine, gate=gate, app=app, committed=committed)
    await engine.dispose()


async def _count(engine: Any, table: sa.Table) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(table)))


async def test_a_body_over_the_limit_is_refused_before_parsing(api: SimpleNamespace) -> None:
    response = await api.http.post("/notes", content=b"{" + b" " * 8192 + b"}")
    assert response.status_code == 413
    assert response.json()["error"] == "RequestTooLarge"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(9):
            yield b" " * 1000

    chunked = await api.http.post("/notes", content=chunks())
    assert chunked.status_code == 413
    assert await _count(api.engine, notes) == 0


async def test_an_event_over_the_record_limit_is_refused_and_nothing_is_committed(
    api: SimpleNamespace,
) -> None:
    # A 4,000-character name fits the 8 KiB body limit but makes a record over the
    # 4,096-byte event limit; 1,000 characters fit both.
    fits = await api.http.post("/notes", json={"text": "n" * 1000})
    assert fits.status_code == 201, fits.text
    response = await api.http.post("/notes", json={"text": "n" * 4000})
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "EventTooLarge"
    assert "LeadSubmitted" in response.json()["detail"]
    assert await _count(api.engine, notes) == 1
    assert await _count(api.engine, outbox) == 1


async def test_the_same_key_and_body_replay_the_first_answer(api: SimpleNamespace) -> None:
    headers = {"Idempotency-Key": "create-note-1"}
    first = await api.http.post("/notes", json={"text": "once"}, headers=headers)
    again = await api.http.post("/notes", json={"text": "once"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() == {"notes": 1}
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await _count(api.engine, notes) == 1

    other = await api.http.post("/notes", json={"text": "twice"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["error"] == "IdempotencyKeyReused"
    other_path = await api.http.post("/fail", json={"text": "once"}, headers=headers)
    assert other_path.status_code == 422
    assert await _count(api.engine, notes) == 1


async def test_the_answer_reaches_the_client_only_once_its_key_is_settled(
    api: SimpleNamespace,
) -> None:
    """A client that retries the instant it has its answer must get the replay, not a 409:
    when the first byte of the answer leaves the service, the key already holds it."""
    settled_when_sent: list[int | None] = []
    inner = api.app

    async def watching(scope: Any, receive: Any, send: Any) -> None:
        async def watch(message: Any) -> None:
            if message["type"] == "http.response.start":
                async with api.engine.connect() as conn:
                    settled_when_sent.append(
                        await conn.scalar(
                            sa.select(idempotency_keys.c.status_code).where(
                                idempotency_keys.c.key == "instant-retry"
                            )
                        )
                    )
            await send(message)

        await inner(scope, receive, watch)

    transport = httpx.ASGITransport(app=watching)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        headers = {"Idempotency-Key": "instant-retry"}
        first = await http.post("/notes", json={"text": "now"}, headers=headers)
        again = await http.post("/notes", json={"text": "now"}, headers=headers)
    assert settled_when_sent[0] == 201
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await _count(api.engine, notes) == 1


async def test_a_concurrent_duplicate_gets_409_and_a_failed_request_frees_its_key(
    api: SimpleNamespace,
) -> None:
    headers = {"Idempotency-Key": "slow-note"}
    api.gate.clear()
    first = asyncio.create_task(api.http.post("/notes", json={"text": "slow"}, headers=headers))
    await asyncio.sleep(0.3)  # the first request holds the key, waiting on the gate
    duplicate = await api.http.post("/notes", json={"text": "slow"}, headers=headers)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"] == "IdempotencyKeyInUse"
    api.gate.set()
    assert (await first).status_code == 201

    failing = {"Idempotency-Key": "failing"}
    assert (await api.http.post("/fail", headers=failing)).status_code == 500
    refused = await api.http.post("/notes", json={}, headers={"Idempotency-Key": "refused"})
    assert refused.status_code == 422
    async with api.engine.connect() as conn:
        kept = set(await conn.scalars(sa.select(idempotency_keys.c.key)))
    assert kept == {"slow-note"}
    retried = await api.http.post(
        "/notes", json={"text": "ok"}, headers={"Idempotency-Key": "refused"}
    )
    assert retried.status_code == 201


async def test_malformed_keys_are_refused_and_old_keys_pruned(api: SimpleNamespace) -> None:
    spaced = await api.http.post("/notes", json={"text": "x"}, headers={"Idempotency-Key": "a b"})
    assert spaced.status_code == 422
    long_key = await api.http.post(
        "/notes", json={"text": "x"}, headers={"Idempotency-Key": "k" * 256}
    )
    assert long_key.status_code == 422
    assert await _count(api.engine, notes) == 0

    await api.http.post("/notes", json={"text": "kept"}, headers={"Idempotency-Key": "new"})
    async with api.engine.begin() as conn:
        await conn.execute(
            sa.insert(idempotency_keys).values(
                caller="",
                key="old",
                fingerprint="f",
                status_code=201,
                locked_at=sa.func.now() - timedelta(hours=25),
                created_at=sa.func.now() - timedelta(hours=25),
            )
        )
    assert await prune_idempotency_keys(api.engine, timedelta(hours=24)) == 1
    async with api.engine.connect() as conn:
        assert set(await conn.scalars(sa.select(idempotency_keys.c.key))) == {"new"}


async def test_a_request_that_failed_after_its_commit_never_runs_again(
    api: SimpleNamespace,
) -> None:
    """Its key was marked in the transaction of its effect: a retry is told it took effect
    (409 IdempotentRequestApplied) instead of adding a second note, even past the claim
    timeout."""
    headers = {"Idempotency-Key": "half-done"}
    first = await api.http.post("/notes-then-fail", json={"text": "once"}, headers=headers)
    assert first.status_code == 500
    await asyncio.sleep(1.2)  # past the claim timeout
    again = await api.http.post("/notes-then-fail", json={"text": "once"}, headers=headers)
    assert again.status_code == 409
    assert again.json()["error"] == "IdempotentRequestApplied"
    assert await _count(api.engine, notes) == 1


async def test_a_request_killed_after_its_commit_is_not_run_again_by_a_retry(
    api: SimpleNamespace,
) -> None:
    """The process stops between the commit and the answer (the task is cancelled there, as a
    shutdown would): a retry, even past the claim timeout, gets 409 IdempotentRequestApplied
    and the note exists once. A request killed before its commit is taken over and runs."""
    headers = {"Idempotency-Key": "killed"}
    request = asyncio.create_task(
        api.http.post("/notes-then-stall", json={"text": "once"}, headers=headers)
    )
    await asyncio.wait_for(api.committed.wait(), 10)
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    await asyncio.sleep(1.2)  # past the claim timeout
    retry = await api.http.post("/notes-then-stall", json={"text": "once"}, headers=headers)
    assert retry.status_code == 409
    assert retry.json()["error"] == "IdempotentRequestApplied"
    assert await _count(api.engine, notes) == 1

    api.gate.clear()
    before_commit = {"Idempotency-Key": "killed-early"}
    early = asyncio.create_task(api.http.post("/notes", json={"text": "x"}, headers=before_commit))
    await asyncio.sleep(0.3)  # holding the key, waiting on the gate: nothing committed
    early.cancel()
    with pytest.raises(asyncio.CancelledError):
        await early
    api.gate.set()
    await asyncio.sleep(1.2)  # past the claim timeout
    taken_over = await api.http.post("/notes", json={"text": "x"}, headers=before_commit)
    assert taken_over.status_code == 201
    assert await _count(api.engine, notes) == 2


async def test_a_request_that_outlives_its_claim_is_rolled_back_and_the_retry_runs_once(
    api: SimpleNamespace,
) -> None:
    """The first request's transaction outlasts the claim timeout; a retry takes the key over
    and runs. The first one finds its claim gone when it marks the key, so its effect is
    rolled back (409 ClaimTakenOver): one note, and later retries replay the retry's answer."""
    headers = {"Idempotency-Key": "slow-commit"}
    first = asyncio.create_task(
        api.http.post("/notes-slowly", json={"text": "once"}, headers=headers)
    )
    await asyncio.sleep(1.2)  # past the 1 s claim, the first still in its transaction
    retry = await api.http.post("/notes-slowly", json={"text": "once"}, headers=headers)
    assert retry.status_code == 201, retry.text
    late = await first
    assert late.status_code == 409 and late.json()["error"] == "ClaimTakenOver"
    assert await _count(api.engine, notes) == 1
    again = await api.http.post("/notes-slowly", json={"text": "once"}, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
