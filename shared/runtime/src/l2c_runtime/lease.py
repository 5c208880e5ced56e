"""Leases: a named claim one process at a time holds for a few seconds and keeps by renewing.

Unlike a lock held by an open connection or transaction, a lease ends by itself: a holder
that stops (SIGSTOP, a network cut, a long pause) loses it `seconds` after its last renewal,
and another replica takes over. Each change of holder bumps the lease's generation; a holder
guards its writes with `fence`, so the writes of a holder that was taken over are refused.
Expiry is decided by the database's clock only, never by the replicas' clocks.

A holder stopped in the middle of a transaction would keep its row locks (and, inside
`fence`, the lease row) for as long as it is stopped; `bound_transaction` has the server end
such a transaction after `seconds` of silence, so a takeover waits no longer than that.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import time
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

# Taken by whoever has none or an expired one, or renewed by its holder; a new holder gets a
# new generation. One statement: two replicas racing for a free lease cannot both get it.
_CLAIM = sa.text(
    "INSERT INTO messaging_lease AS l (name, holder, generation, expires_at)"
    " VALUES (:name, :holder, 1, clock_timestamp() + make_interval(secs => :seconds))"
    " ON CONFLICT (name) DO UPDATE SET"
    "  holder = EXCLUDED.holder,"
    "  generation = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > clock_timestamp()"
    "   THEN l.generation ELSE l.generation + 1 END,"
    "  expires_at = EXCLUDED.expires_at"
    " WHERE l.holder = EXCLUDED.holder OR l.holder IS NULL OR l.expires_at <= clock_timestamp()"
    " RETURNING generation"
)
_RELEASE = sa.text(
    "UPDATE messaging_lease SET holder = NULL, expires_at = '-infinity'"
    " WHERE name = :name AND holder = :holder AND generation = :generation"
)
# FOR SHARE: a takeover (an UPDATE of this row) waits until the guarded writes commit, and a
# writer whose lease was taken over meanwhile finds no row.
_FENCE = sa.text(
    "SELECT 1 FROM messaging_lease WHERE name = :name AND holder = :holder"
    " AND generation = :generation AND expires_at > clock_timestamp() FOR SHARE"
)


async def bound_transaction(conn: AsyncConnection, seconds: float) -> None:
    """Have the server end this transaction (and its session) when its client stays silent
    for `seconds` in the middle of it: paused, cut off, or stuck."""
    await conn.execute(
        sa.select(
            sa.func.set_config(
                "idle_in_transaction_session_timeout", f"{max(1, int(seconds * 1000))}", True
            )
        )
    )


class LeaseLost(Exception):
    """The lease expired or was taken over: the writes it guarded were not made."""


class Lease:
    """One process's view of the lease `name`. `claim` takes or renews it; `fence` is called
    inside a transaction before writes only the holder may make."""

    def __init__(self, engine: AsyncEngine, name: str, seconds: float) -> None:
        self._engine = engine
        self.name = name
        self.seconds = seconds
        # Says who holds it, for operators (and fault tests): `<name>:<host>:<pid>:<random>`.
        self.holder = f"{name}:{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:12]}"
        self.generation: int | None = None
        """The generation held since the last successful claim, None when not held."""
        self._claimed_at = -math.inf

    async def hold(self) -> int | None:
        """`claim`, unless this process claimed it less than a third of the lease ago (saves
        a round trip per batch; a wrong guess costs duplicates, never a write: see `fence`)."""
        if self.generation is not None and time.monotonic() - self._claimed_at < self.seconds / 3:
            return self.generation
        return await self.claim()

    async def claim(self) -> int | None:
        """Take the lease, or renew it when held; the generation held, None when another
        holder's lease is still running."""
        claimed_at = time.monotonic()
        async with self._engine.begin() as conn:
            await bound_transaction(conn, self.seconds)
            generation = await conn.scalar(
                _CLAIM, {"name": self.name, "holder": self.holder, "seconds": self.seconds}
            )
        if generation != self.generation and self.generation is not None:
            log.warning("lease %s lost (generation %s)", self.name, self.generation)
        if generation is not None and generation != self.generation:
            log.info("lease %s taken (generation %s)", self.name, generation)
        self.generation = None if generation is None else int(generation)
        self._claimed_at = claimed_at
        return self.generation

    async def fence(self, conn: AsyncConnection, generation: int) -> None:
        """Raise `LeaseLost` unless `generation` of this lease is still held by this process;
        otherwise the lease cannot change hands until `conn`'s transaction ends."""
        held = await conn.scalar(
            _FENCE, {"name": self.name, "holder": self.holder, "generation": generation}
        )
        if held is None:
            self.generation = None
            raise LeaseLost(f"lease {self.name} generation {generation} is no longer held")

    async def release(self) -> None:
        """Give the lease up now (a clean stop), so another replica need not wait for it to
        expire."""
        generation, self.generation = self.generation, None
        if generation is None:
            return
        async with self._engine.begin() as conn:
            await bound_transaction(conn, self.seconds)
            await conn.execute(
                _RELEASE, {"name": self.name, "holder": self.holder, "generation": generation}
            )
