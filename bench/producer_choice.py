"""Which producer the outbox relay should publish with, measured: its `BatchPublisher`
(aiokafka record batches, l2c_runtime.publisher) against confluent-kafka's `Producer`, the same
records (about 600 bytes, a traceparent header, 12,500 keys) to fresh 12-partition topics, both
idempotent with acks=all, in relay-sized batches of 500 each awaited until acknowledged.

Not part of `make bench` (confluent-kafka is not a dependency of L2C). Run it against the local
infrastructure:

    eval "$(deploy/local/env.sh)"
    uv run --frozen --with confluent-kafka==2.16.1 python bench/producer_choice.py 50000

The figures and the decision: docs/architecture.md ("The relay's producer").
"""

import asyncio
import os
import resource
import sys
import time
import uuid
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from l2c_runtime.kafka_client import kafka_client_options
from l2c_runtime.publisher import OutgoingRecord, RenewingPublisher, relay_producer

BOOTSTRAP = os.environ["KAFKA_BOOTSTRAP"]
BATCH = 500
VALUE = b'{"specversion":"1.0","type":"l2c.lead.LeadSubmitted","data":{"x":"%s"}}' % (b"y" * 520)
TRACEPARENT = [("traceparent", b"00-" + b"a" * 32 + b"-" + b"b" * 16 + b"-01")]


def cpu_seconds() -> float:
    """CPU of the whole process, librdkafka's threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def fresh_topic(name: str) -> None:
    admin = AIOKafkaAdminClient(**kafka_client_options(), bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 12, 1)])
    finally:
        await admin.close()


async def with_batch_publisher(topic: str, keys: list[bytes], n: int) -> tuple[float, float]:
    publisher = RenewingPublisher(lambda: relay_producer(BOOTSTRAP, "producer-choice"))
    await publisher.start()
    records = [OutgoingRecord(topic, keys[i % len(keys)], VALUE, TRACEPARENT) for i in range(n)]
    cpu, start = cpu_seconds(), time.perf_counter()
    for i in range(0, n, BATCH):
        await publisher(records[i : i + BATCH])
    elapsed, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    await publisher.stop()
    return elapsed, cpu


def with_confluent_kafka(topic: str, keys: list[bytes], n: int) -> tuple[float, float]:
    from confluent_kafka import Producer

    producer = Producer(
        {
            "bootstrap.servers": BOOTSTRAP,
            "security.protocol": os.environ["KAFKA_SECURITY_PROTOCOL"],
            "sasl.mechanism": os.environ["KAFKA_SASL_MECHANISM"],
            "sasl.username": os.environ["KAFKA_SASL_USERNAME"],
            "sasl.password": os.environ["KAFKA_SASL_PASSWORD"],
            "enable.idempotence": True,
            "acks": "all",
            "linger.ms": 2,
            "batch.size": 512 * 1024,
            "partitioner": "murmur2_random",  # Kafka's Java default: keys land alike
        }
    )
    producer.list_topics(timeout=10)
    failed: list[Any] = []

    def delivered(error: Any, message: Any) -> None:
        if error is not None:
            failed.append(error)

    cpu, start = cpu_seconds(), time.perf_counter()
    for i in range(0, n, BATCH):  # as the relay: a batch, then wait for its acknowledgements
        for j in range(i, min(n, i + BATCH)):
            key = keys[j % len(keys)]
            producer.produce(topic, VALUE, key, headers=TRACEPARENT, on_delivery=delivered)
        producer.flush()
    elapsed, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    if failed:
        raise RuntimeError(f"{len(failed)} records not delivered: {failed[:3]}")
    return elapsed, cpu


async def main(n: int, runs: int = 3) -> None:
    keys = [str(uuid.uuid4()).encode() for _ in range(max(1, n // 4))]
    for _ in range(runs):
        ours, theirs = (
            f"choice-aiokafka-{uuid.uuid4().hex[:8]}",
            f"choice-rdkafka-{uuid.uuid4().hex[:8]}",
        )
        await fresh_topic(ours)
        await fresh_topic(theirs)
        for name, (elapsed, cpu) in (
            ("aiokafka_batches", await with_batch_publisher(ours, keys, n)),
            ("confluent_kafka", with_confluent_kafka(theirs, keys, n)),
        ):
            print(f"BENCH producer.{name}.rate {n / elapsed:.0f} records/s")
            print(f"BENCH producer.{name}.cpu {cpu / n * 1e6:.1f} us/record")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000))
