"""What the consumer loop does with a polled batch: commit exactly its offsets once it is
handled, in poll order; set the consumer back to the batch's first records when it is not."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka import TopicPartition

from l2c_runtime.consumer import ConsumedRecord
from l2c_runtime.consumer_loop import ConsumerLoop


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None = None
    value: bytes = b"{}"
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass
class FakeConsumer:
    seeks: list[tuple[TopicPartition, int]] = field(default_factory=list)
    commits: list[dict[TopicPartition, int]] = field(default_factory=list)
    commit_delay: float = 0.0

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.seeks.append((partition, offset))

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        await asyncio.sleep(self.commit_delay)
        self.commits.append(offsets)


@dataclass
class Processor:
    fail: bool = False
    seen: list[list[tuple[str, int, int]]] = field(default_factory=list)

    async def process_batch(self, records: Sequence[ConsumedRecord]) -> None:
        self.seen.append([(r.topic, r.partition, r.offset) for r in records])
        if self.fail:
            raise ConnectionError("broker away while dead-lettering")


A0, A1 = TopicPartition("a", 0), TopicPartition("a", 1)


async def test_a_handled_batch_commits_the_offset_after_its_last_record_per_partition() -> None:
    processor, consumer = Processor(), FakeConsumer()
    loop = ConsumerLoop(processor)
    await loop.handle(consumer, [Record("a", 0, 5), Record("a", 1, 9), Record("a", 0, 6)])
    await loop.stop()
    assert processor.seen == [[("a", 0, 5), ("a", 1, 9), ("a", 0, 6)]]
    assert consumer.commits == [{A0: 7, A1: 10}]
    assert consumer.seeks == []


async def test_commits_of_one_consumer_land_in_poll_order() -> None:
    consumer = FakeConsumer(commit_delay=0.05)
    loop = ConsumerLoop(Processor())
    await loop.handle(consumer, [Record("a", 0, 1)])
    await loop.handle(consumer, [Record("a", 0, 2)])
    await loop.handle(consumer, [Record("a", 0, 3)])
    await loop.stop()
    assert consumer.commits == [{A0: 2}, {A0: 3}, {A0: 4}]


async def test_a_failed_batch_is_read_again_from_its_first_records_and_not_committed() -> None:
    consumer = FakeConsumer()
    loop = ConsumerLoop(Processor(fail=True), retry_delay=0.0)
    await loop.handle(consumer, [Record("a", 0, 5), Record("a", 1, 9), Record("a", 0, 6)])
    await loop.stop()
    assert consumer.commits == []
    assert consumer.seeks == [(A0, 5), (A1, 9)]
