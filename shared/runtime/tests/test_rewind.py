"""After a poll fails outside the handlers' retries, its records are read again: the consumer
is set back to the first record of the poll on each partition."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from aiokafka import TopicPartition

from l2c_runtime.consumer_loop import _rewind


class FakeConsumer:
    def __init__(self, assigned: set[TopicPartition]) -> None:
        self.assigned = assigned
        self.seeks: list[tuple[TopicPartition, int]] = []

    def seek(self, partition: TopicPartition, offset: int) -> None:
        if partition not in self.assigned:
            raise RuntimeError("not assigned")
        self.seeks.append((partition, offset))


def _record(partition: int, offset: int) -> Any:
    return SimpleNamespace(topic="t", partition=partition, offset=offset)


def test_each_partition_goes_back_to_the_polls_first_record() -> None:
    p0, p1 = TopicPartition("t", 0), TopicPartition("t", 1)
    consumer = FakeConsumer({p0, p1})
    batch = [_record(0, 100), _record(1, 7), _record(0, 101), _record(1, 8), _record(2, 5)]

    _rewind(consumer, batch)  # p2 went to another consumer meanwhile: nothing to do there

    assert consumer.seeks == [(p0, 100), (p1, 7)]
