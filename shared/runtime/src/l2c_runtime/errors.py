"""Errors a handler raises when a command or event cannot be carried out (the HTTP layer maps
them to 4xx answers with the reason; the consumer sends such an event to its dead-letter topic),
and which failures are transient: worth retrying, never a reason to give up on an event."""

from __future__ import annotations

from aiokafka.errors import KafkaError, KafkaTimeoutError
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.exc import InterfaceError as SAInterfaceError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

# The rule errors live in l2c_schemas.errors so that domain code can raise them without
# importing the runtime; they are re-exported here for the handlers and the HTTP layer.
from l2c_schemas.errors import Conflict, Forbidden, NotFound, RuleViolation

__all__ = ["Conflict", "Forbidden", "NotFound", "RuleViolation"]


# --- Transient or not -------------------------------------------------------------------------
# A transient failure says nothing about the event: the same work succeeds once the database or
# the broker is back, or once a competing transaction has finished. It is retried with back-off
# for as long as it takes and never counts toward an event's dead-letter budget.

TRANSIENT_SQLSTATE_CLASSES = frozenset(
    {
        "08",  # connection exception: the connection broke or could not be made
        "53",  # insufficient resources: too many connections, out of memory, disk full
    }
)
TRANSIENT_SQLSTATES = frozenset(
    {
        "57P01",  # admin_shutdown: the server is shutting down (restart, failover)
        "57P02",  # crash_shutdown: another backend crashed, the server restarts
        "57P03",  # cannot_connect_now: the server is starting up or in recovery
        "40001",  # serialization_failure: a concurrent transaction won; run it again
        "40P01",  # deadlock_detected: this transaction was chosen as the victim
        "55P03",  # lock_not_available: NOWAIT or lock_timeout gave up on a row lock
    }
)


def sqlstate_of(exc: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE an error carries, wherever it sits in the chain: asyncpg's
    errors have `sqlstate`, SQLAlchemy keeps the driver's error in `orig` (whose `pgcode` and
    `sqlstate` the asyncpg dialect copies), psycopg has `pgcode`."""
    for link in _chain(exc):
        for attribute in ("sqlstate", "pgcode"):
            code = getattr(link, attribute, None)
            if isinstance(code, str) and len(code) == 5:
                return code
    return None


def is_transient_sqlstate(code: str) -> bool:
    return code[:2] in TRANSIENT_SQLSTATE_CLASSES or code in TRANSIENT_SQLSTATES


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the same work later can succeed without anything else changing.

    PostgreSQL errors are judged by their SQLSTATE, broker errors by their `retriable` flag
    (a timeout waiting for the broker counts as retriable too); failures with neither, such as
    a refused or reset socket, by their class."""
    code = sqlstate_of(exc)
    if code is not None:
        return is_transient_sqlstate(code)
    for link in _chain(exc):
        if isinstance(link, DBAPIError) and link.connection_invalidated:
            return True
        if isinstance(link, KafkaTimeoutError):
            return True
        if isinstance(link, KafkaError):
            return bool(link.retriable)
        if isinstance(
            link,
            (
                ConnectionError,
                TimeoutError,
                OSError,
                PoolTimeoutError,  # no pooled connection free in time
                DisconnectionError,
                SAInterfaceError,  # e.g. "connection is closed"
                OperationalError,  # a driver's connection failure that carries no SQLSTATE
            ),
        ):
            return True
    return False


def _chain(exc: BaseException) -> list[BaseException]:
    """The error, the driver error SQLAlchemy wraps (`orig`), and their causes."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo and len(seen) < 16:
        link = todo.pop(0)
        if link is None or any(link is s for s in seen):
            continue
        seen.append(link)
        orig = getattr(link, "orig", None)
        # Not `__context__`: an error raised while handling a transient one is not transient.
        todo += [orig if isinstance(orig, BaseException) else None, link.__cause__]
    return seen
