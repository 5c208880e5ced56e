"""Explicit topic provisioning. Brokers run with auto-create off; every service makes sure the
topics it reads and writes exist (idempotently) before it starts consuming."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from l2c_runtime.kafka_client import kafka_client_options
from l2c_schemas.topics import ALL_TOPICS

_OK = 0
_TOPIC_ALREADY_EXISTS = 36


async def ensure_topics(
    bootstrap: str, topics: Iterable[str], partitions: int = 6, replication: int = 1
) -> list[str]:
    """Create the missing topics; returns the ones it created."""
    wanted = sorted(set(topics))
    admin = AIOKafkaAdminClient(**kafka_client_options(), bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if not missing:
            return []
        response = await admin.create_topics(
            [
                NewTopic(t, num_partitions=partitions, replication_factor=replication)
                for t in missing
            ]
        )
        for topic_error in response.topic_errors:
            name, code = topic_error[0], topic_error[1]
            if code not in (_OK, _TOPIC_ALREADY_EXISTS):
                raise RuntimeError(f"cannot create topic {name}: error code {code}")
        return missing
    finally:
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Provision every L2C topic (idempotent).")
    parser.add_argument("--bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--partitions", type=int, default=6)
    args = parser.parse_args()
    created = asyncio.run(ensure_topics(args.bootstrap, ALL_TOPICS, args.partitions))
    print(f"created {len(created)} topics" + (f": {', '.join(created)}" if created else ""))


if __name__ == "__main__":
    main()
