"""The relay's partitioner puts every key where Kafka's default partitioner does."""

from __future__ import annotations

from uuid import uuid4

from aiokafka.partitioner import DefaultPartitioner

from l2c_runtime.relay import KeyHashPartitioner


def test_keys_land_on_the_default_partitioners_partition_also_when_remembered() -> None:
    ours, default = KeyHashPartitioner(remembered=8), DefaultPartitioner()
    keys = [str(uuid4()).encode() for _ in range(50)] + [b"", b"acct-1", b"\xff\x00"]
    for partitions in ([0], list(range(6)), list(range(12))):
        for key in keys + keys[:10]:  # the first ten again: answered from memory
            assert ours(key, partitions, partitions) == default(key, partitions, partitions)


def test_a_record_without_a_key_goes_to_an_available_partition() -> None:
    assert KeyHashPartitioner()(None, [0, 1, 2], [2]) == 2
