"""`make demo` right after a killed one: the killed services' consumers are still members of
their groups until their sessions expire, and positioning the groups must wait them out
instead of failing with CommitFailedError."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from uuid import uuid4

import pytest
from aiokafka import TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from l2c_platform.kafka_io import publish
from l2c_platform.launcher import Infrastructure, PlatformConfig, skip_earlier_records
from l2c_runtime.kafka_client import kafka_client_options
from l2c_runtime.topics import ensure_topics

pytestmark = pytest.mark.integration

MEMBER = textwrap.dedent(
    """
    import asyncio, sys
    from aiokafka import AIOKafkaConsumer
    from l2c_runtime.kafka_client import kafka_client_options

    async def main() -> None:
        consumer = AIOKafkaConsumer(
            sys.argv[2], bootstrap_servers=sys.argv[1], group_id=sys.argv[3],
            **kafka_client_options(),
            session_timeout_ms=6000, heartbeat_interval_ms=1000, enable_auto_commit=False,
        )
        await consumer.start()
        while not consumer.assignment():
            await asyncio.sleep(0.1)
        print("assigned", flush=True)
        await asyncio.sleep(3600)

    asyncio.run(main())
    """
)


async def test_groups_are_positioned_after_a_killed_member_left_them(
    infra: Infrastructure,
) -> None:
    topic = f"l2c.test.launcher.{uuid4().hex[:8]}"
    await ensure_topics(infra.kafka_bootstrap, [topic], partitions=2)
    for n in range(3):
        await publish(infra.kafka_bootstrap, topic, b"{}", [], key=str(n).encode())
    suffix = f"-t{uuid4().hex[:8]}"
    group = f"lead-svc{suffix}"
    member = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        MEMBER,
        infra.kafka_bootstrap,
        topic,
        group,
        stdout=asyncio.subprocess.PIPE,
        env=os.environ.copy(),
    )
    assert member.stdout is not None
    line = await asyncio.wait_for(member.stdout.readline(), 60)
    assert line.strip() == b"assigned"
    member.send_signal(signal.SIGKILL)  # no LeaveGroup: it stays a member until it expires
    await member.wait()

    config = PlatformConfig(kafka_bootstrap=infra.kafka_bootstrap, group_suffix=suffix)
    ends = await skip_earlier_records(config)

    assert ends[TopicPartition(topic, 0)] + ends[TopicPartition(topic, 1)] == 3
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap, **kafka_client_options())
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    for partition in (TopicPartition(topic, 0), TopicPartition(topic, 1)):
        assert committed[partition].offset == ends[partition]
