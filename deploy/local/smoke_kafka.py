"""Smoke check of the local broker: create a topic, produce one message, consume it back.

    python deploy/local/smoke_kafka.py            # needs `aiokafka` importable
    KAFKA_BOOTSTRAP=127.0.0.1:9092 python deploy/local/smoke_kafka.py

Also checks that auto topic creation is off (producing to an unknown topic must fail).
Exit code 0 on success.
"""

import asyncio
import logging
import os
import sys
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaTimeoutError, UnknownTopicOrPartitionError

from l2c_runtime.kafka_client import kafka_client_options

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
logging.basicConfig(level=logging.CRITICAL)  # the unknown-topic probe is noisy by design


async def main() -> int:
    topic = f"l2c.smoke.{uuid.uuid4().hex[:8]}"
    payload = f"hello {uuid.uuid4()}".encode()

    admin = AIOKafkaAdminClient(**kafka_client_options(), bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()

    producer = AIOKafkaProducer(
        **kafka_client_options(), bootstrap_servers=BOOTSTRAP, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        md = await producer.send_and_wait(topic, payload, key=b"k1")
        print(f"produced to {md.topic}[{md.partition}]@{md.offset}")
    finally:
        await producer.stop()

    # Transactions (coordinator on a single 4.x node with the overrides in server.properties).
    tx = AIOKafkaProducer(
        **kafka_client_options(),
        bootstrap_servers=BOOTSTRAP,
        transactional_id=f"smoke-tx-{uuid.uuid4().hex[:6]}",
    )
    await tx.start()
    try:
        async with tx.transaction():
            await tx.send_and_wait(topic, b"tx-message", key=b"k1")
        print("transactional produce committed")
    finally:
        await tx.stop()

    consumer = AIOKafkaConsumer(
        topic,
        **kafka_client_options(),
        bootstrap_servers=BOOTSTRAP,
        group_id=f"smoke-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen = []
        while len(seen) < 2:
            msg = await asyncio.wait_for(consumer.getone(), timeout=30)
            print(f"consumed from {msg.topic}[{msg.partition}]@{msg.offset}: {msg.value!r}")
            seen.append(msg.value)
        await consumer.commit()
        assert seen == [payload, b"tx-message"], f"unexpected messages {seen!r}"
    finally:
        await consumer.stop()

    # auto.create.topics.enable=false: an unknown topic must not spring into existence.
    producer = AIOKafkaProducer(
        **kafka_client_options(), bootstrap_servers=BOOTSTRAP, request_timeout_ms=3000
    )
    await producer.start()
    try:
        try:
            await producer.send_and_wait(f"l2c.smoke.missing.{uuid.uuid4().hex[:8]}", b"x")
        except (KafkaTimeoutError, UnknownTopicOrPartitionError) as exc:
            print(f"auto-create is off: {type(exc).__name__}")
        else:
            print("FAIL: producing to an unknown topic succeeded (auto-create on?)")
            return 1
    finally:
        await producer.stop()

    admin = AIOKafkaAdminClient(**kafka_client_options(), bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        await admin.delete_topics([topic])
    finally:
        await admin.close()
    print("kafka smoke OK")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
