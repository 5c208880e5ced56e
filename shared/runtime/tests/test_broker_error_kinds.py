"""Which broker errors park an outbox row, which are retried, and which renew the relay's
producer (pure classification; the relay's use of it is tested on a real broker)."""

from __future__ import annotations

import pytest
from aiokafka.errors import (
    CorruptRecordException,
    InvalidTimestampError,
    KafkaConnectionError,
    KafkaTimeoutError,
    LeaderNotAvailableError,
    MessageSizeTooLargeError,
    NotEnoughReplicasError,
    OutOfOrderSequenceNumber,
    RecordListTooLargeError,
    RequestTimedOutError,
    TopicAuthorizationFailedError,
)

from l2c_runtime.publisher import PartlyPublished, RecordTooLarge, refused_for_good, transient

TRANSIENT = [
    LeaderNotAvailableError(),
    NotEnoughReplicasError(),
    RequestTimedOutError(),
    KafkaConnectionError(),
    KafkaTimeoutError(),
    PartlyPublished(NotEnoughReplicasError(), frozenset({0})),
    TimeoutError(),
    ConnectionResetError(),
]
POISON = [
    MessageSizeTooLargeError(),
    RecordTooLarge("over 1 MiB"),
    RecordListTooLargeError(),
    CorruptRecordException(),
    InvalidTimestampError(),
    PartlyPublished(MessageSizeTooLargeError(), frozenset({0, 1})),
]
NEITHER = [TopicAuthorizationFailedError(), OutOfOrderSequenceNumber(), ValueError("a bug")]


@pytest.mark.parametrize("error", TRANSIENT, ids=lambda e: type(e).__name__)
def test_retriable_and_unanswered_are_transient_never_poison(error: Exception) -> None:
    assert transient(error) and not refused_for_good(error)


@pytest.mark.parametrize("error", POISON, ids=lambda e: type(e).__name__)
def test_a_record_the_broker_cannot_take_is_poison(error: Exception) -> None:
    assert refused_for_good(error) and not transient(error)


@pytest.mark.parametrize("error", NEITHER, ids=lambda e: type(e).__name__)
def test_other_refusals_park_nothing(error: Exception) -> None:
    """Not the record's fault: retried with back-off (and a new producer), never parked."""
    assert not refused_for_good(error) and not transient(error)
