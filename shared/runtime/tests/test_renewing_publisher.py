"""The relay's publisher replaces its producer after failed publications in a row (a fake
producer stands in for aiokafka's: only its lifecycle is under test here)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError
from aiokafka.producer.message_accumulator import BatchBuilder

from l2c_runtime.publisher import PartlyPublished
from l2c_runtime.relay import OutgoingRecord, RenewingPublisher


class FakeProducer:
    def __init__(self, failing: list[bool]) -> None:
        self.failing = failing  # shared: the test turns failures on and off
        self.started = self.stopped = 0
        self.client = SimpleNamespace(
            cluster=SimpleNamespace(available_partitions_for_topic=lambda topic: {0})
        )

    async def start(self) -> None:
        self.started += 1

    async def stop(self) -> None:
        self.stopped += 1

    async def partitions_for(self, topic: str) -> set[int]:
        if self.failing[0]:
            raise KafkaConnectionError("broker refused")
        return {0}

    def create_batch(self) -> BatchBuilder:
        return BatchBuilder(512 * 1024, 0)

    async def send_batch(self, builder: Any, topic: str, *, partition: int) -> Any:
        raise AssertionError("not reached in these tests")


RECORD = OutgoingRecord("t", b"k", b"v", [])


async def test_the_producer_is_renewed_after_three_failures_in_a_row() -> None:
    failing = [True]
    made: list[FakeProducer] = []

    def make() -> Any:
        made.append(FakeProducer(failing))
        return made[-1]

    publisher = RenewingPublisher(make, renew_after=3)
    await publisher.start()
    for _ in range(2):
        with pytest.raises(KafkaConnectionError):
            await publisher([RECORD])
    failing[0] = False
    await publisher([])  # a success: the count starts again
    failing[0] = True
    for _ in range(2):
        with pytest.raises(KafkaConnectionError):
            await publisher([RECORD])
    assert len(made) == 1 and made[0].stopped == 0  # two in a row: kept

    with pytest.raises(KafkaConnectionError):
        await publisher([RECORD])  # the third in a row
    assert made[0].stopped == 1 and publisher.producer is None

    failing[0] = False
    await publisher([])
    assert len(made) == 2 and made[1].started == 1 and publisher.producer is made[1]
    await publisher.stop()
    assert made[1].stopped == 1


async def test_a_record_refused_before_sending_does_not_renew_the_producer() -> None:
    made: list[FakeProducer] = []

    def make() -> Any:
        made.append(FakeProducer([False]))
        return made[-1]

    publisher = RenewingPublisher(make, renew_after=1)
    huge = OutgoingRecord("t", b"k", b"x" * 1_100_000, [])
    with pytest.raises(MessageSizeTooLargeError):
        await publisher([huge])
    assert len(made) == 1 and made[0].stopped == 0


async def test_a_refusal_by_the_broker_renews_the_producer_at_once() -> None:
    """After the broker refused a batch, aiokafka's producer fails the partition's later
    batches: it is replaced right away, not after three failures."""
    made: list[FakeProducer] = []

    def make() -> Any:
        made.append(FakeProducer([False]))
        return made[-1]

    async def refuse(builder: Any, topic: str, *, partition: int) -> Any:
        raise MessageSizeTooLargeError()

    publisher = RenewingPublisher(make, renew_after=3)
    await publisher.start()
    made[0].send_batch = refuse  # type: ignore[method-assign]
    with pytest.raises(PartlyPublished) as refused:
        await publisher([RECORD])
    assert isinstance(refused.value.cause, MessageSizeTooLargeError)
    assert refused.value.acknowledged == frozenset()
    assert made[0].stopped == 1 and publisher.producer is None
