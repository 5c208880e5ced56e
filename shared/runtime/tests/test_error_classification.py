"""Which failures are transient: PostgreSQL errors by their SQLSTATE, as the driver raises them
and as SQLAlchemy wraps them; broker errors by their retriable flag."""

from __future__ import annotations

import asyncpg
import pytest
from aiokafka import errors as kafka
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi
from sqlalchemy.exc import DBAPIError

from l2c_runtime.errors import RuleViolation, is_transient, sqlstate_of

TRANSIENT_PG = [
    asyncpg.exceptions.ConnectionDoesNotExistError,  # 08003
    asyncpg.exceptions.ConnectionFailureError,  # 08006
    asyncpg.exceptions.TooManyConnectionsError,  # 53300
    asyncpg.exceptions.OutOfMemoryError,  # 53200
    asyncpg.exceptions.AdminShutdownError,  # 57P01
    asyncpg.exceptions.CrashShutdownError,  # 57P02
    asyncpg.exceptions.CannotConnectNowError,  # 57P03
    asyncpg.exceptions.SerializationError,  # 40001
    asyncpg.exceptions.DeadlockDetectedError,  # 40P01
    asyncpg.exceptions.LockNotAvailableError,  # 55P03
]
PERMANENT_PG = [
    asyncpg.exceptions.UniqueViolationError,  # 23505
    asyncpg.exceptions.NumericValueOutOfRangeError,  # 22003
    asyncpg.exceptions.CheckViolationError,  # 23514
    asyncpg.exceptions.UndefinedTableError,  # 42P01
    asyncpg.exceptions.QueryCanceledError,  # 57014
    asyncpg.exceptions.DatabaseDroppedError,  # 57P04
]


def as_sqlalchemy_raises_it(error: asyncpg.PostgresError) -> DBAPIError:
    """The error as a SQLAlchemy session raises it: translated to the dialect's DB-API class
    (with the SQLSTATE copied), then wrapped in SQLAlchemy's own exception."""
    dbapi = AsyncAdapt_asyncpg_dbapi(asyncpg)
    for cls in type(error).__mro__:
        if cls in dbapi._asyncpg_error_translate:
            translated = dbapi._asyncpg_error_translate[cls](f"{type(error)}: {error}")
            break
    translated.pgcode = translated.sqlstate = error.sqlstate
    translated.__cause__ = error
    wrapped = DBAPIError.instance("UPDATE t SET x = 1", {}, translated, dbapi.Error)
    assert isinstance(wrapped, DBAPIError)
    return wrapped


@pytest.mark.parametrize("cls", TRANSIENT_PG, ids=lambda c: c.sqlstate)
def test_postgres_errors_of_transient_sqlstates_are_transient(cls: type) -> None:
    error = cls("boom")
    assert is_transient(error)
    wrapped = as_sqlalchemy_raises_it(error)
    assert sqlstate_of(wrapped) == cls.sqlstate
    assert is_transient(wrapped)


@pytest.mark.parametrize("cls", PERMANENT_PG, ids=lambda c: c.sqlstate)
def test_postgres_errors_of_other_sqlstates_are_not(cls: type) -> None:
    error = cls("boom")
    assert not is_transient(error)
    assert not is_transient(as_sqlalchemy_raises_it(error))


def test_a_serialization_failure_is_not_an_operational_error_yet_transient() -> None:
    # Why the class alone was not enough: SQLAlchemy raises it as a plain DBAPIError.
    wrapped = as_sqlalchemy_raises_it(asyncpg.exceptions.SerializationError("could not"))
    assert type(wrapped) is DBAPIError
    assert is_transient(wrapped)


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (kafka.KafkaConnectionError(), True),
        (kafka.NotLeaderForPartitionError(), True),
        (kafka.RequestTimedOutError(), True),
        (kafka.KafkaTimeoutError(), True),
        (kafka.MessageSizeTooLargeError(), False),
        (kafka.TopicAuthorizationFailedError(), False),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, bool) else str(v),
)
def test_broker_errors_by_their_retriable_flag(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient


def test_socket_failures_are_transient_and_bugs_or_rule_violations_are_not() -> None:
    assert is_transient(ConnectionRefusedError())
    assert is_transient(TimeoutError())
    assert not is_transient(KeyError("bug"))
    assert not is_transient(RuleViolation("no such invoice"))


def test_an_error_raised_while_handling_a_transient_one_is_judged_by_itself() -> None:
    try:
        try:
            raise asyncpg.exceptions.SerializationError("could not serialize")
        except asyncpg.PostgresError:
            raise ValueError("bug in the handler") from None
    except ValueError as exc:
        assert not is_transient(exc)
