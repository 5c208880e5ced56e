"""The relay's partitioner puts every key where Kafka's default partitioner does."""

from __future__ import annotations

from uuid import uuid4

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as kafka_murmur2
from hypothesis import given
from hypothesis import strategies as st

from l2c_runtime.publisher import KeyHashPartitioner, murmur2


def test_keys_land_on_the_default_partitioners_partition_also_when_remembered() -> None:
    ours, default = KeyHashPartitioner(remembered=8), DefaultPartitioner()
    keys = [str(uuid4()).encode() for _ in range(50)] + [b"", b"acct-1", b"\xff\x00"]
    for partitions in ([0], list(range(6)), list(range(12))):
        for key in keys + keys[:10]:  # the first ten again: answered from memory
            assert ours(key, partitions, partitions) == default(key, partitions, partitions)


def test_a_record_without_a_key_goes_to_an_available_partition() -> None:
    assert KeyHashPartitioner()(None, [0, 1, 2], [2]) == 2


@given(st.binary(max_size=300))
def test_murmur2_agrees_with_aiokafkas(data: bytes) -> None:
    assert murmur2(data) == kafka_murmur2(data)


def test_murmur2_gives_the_java_clients_values() -> None:
    # Kafka's own test of Utils.murmur2 (signed 32-bit there)
    java = {
        b"21": -973932308,
        b"foobar": -790332482,
        b"a-little-bit-long-string": -985981536,
        b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    }
    for data, signed in java.items():
        assert murmur2(data) == signed % 2**32
