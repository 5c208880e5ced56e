"""The parts of aiokafka the relay's publisher relies on beyond the producer's `send`: if an
upgrade changes one of them, this fails before the relay does (l2c_runtime.publisher;
docs/architecture.md, "The relay's producer")."""

from __future__ import annotations

import inspect

from aiokafka import AIOKafkaProducer
from aiokafka.cluster import ClusterMetadata
from aiokafka.producer.message_accumulator import BatchBuilder


def _parameters(function: object) -> list[str]:
    return [name for name in inspect.signature(function).parameters if name != "self"]  # type: ignore[arg-type]


def test_the_producer_builds_and_sends_record_batches() -> None:
    assert _parameters(AIOKafkaProducer.create_batch) == []
    assert _parameters(AIOKafkaProducer.send_batch) == ["batch", "topic", "partition"]
    assert inspect.iscoroutinefunction(AIOKafkaProducer.send_batch)
    assert inspect.iscoroutinefunction(AIOKafkaProducer.partitions_for)


async def test_a_batch_takes_records_until_full_and_reports_its_size() -> None:
    assert _parameters(BatchBuilder.append) == ["timestamp", "key", "value", "headers"]
    producer = AIOKafkaProducer(bootstrap_servers="127.0.0.1:1", max_batch_size=1024)
    builder = producer.create_batch()  # no broker needed: the batch is built locally
    assert isinstance(builder, BatchBuilder)
    taken = 0
    while builder.append(timestamp=None, key=b"k", value=b"v" * 100, headers=[]) is not None:
        taken += 1
    assert 1 < taken < 10  # 1 KiB holds a few records of ~110 bytes, then says it is full
    assert builder.record_count() == taken
    size = builder.size()
    builder.close()
    assert taken * 100 < size <= 1024


def test_the_cluster_metadata_names_the_partitions_with_a_leader() -> None:
    metadata = ClusterMetadata()
    assert _parameters(metadata.available_partitions_for_topic) == ["topic"]
    assert metadata.available_partitions_for_topic("unknown") is None
