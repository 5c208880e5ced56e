"""Explicit topic provisioning. Brokers run with auto-create off; every service makes sure the
topics it reads and writes exist (idempotently) before it starts consuming."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from l2c_runtime.kafka_client import kafka_client_options
from l2c_schemas.topics import ALL_TOPICS

_OK = 0
_TOPIC_ALREADY_EXISTS = 36


class TopicSettings(BaseSettings):
    """How durable the topics L2C creates are. One broker locally (1/1); on a cluster of three
    or more brokers, 3/2 so that a record acknowledged with `acks=all` survives one broker's
    loss and producers still write while one broker is down."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    replication_factor: int = Field(
        default=1, ge=1, le=32, validation_alias="L2C_TOPIC_REPLICATION_FACTOR"
    )
    min_insync_replicas: int = Field(
        default=1, ge=1, le=32, validation_alias="L2C_TOPIC_MIN_INSYNC_REPLICAS"
    )

    @model_validator(mode="after")
    def _insync_within_replicas(self) -> TopicSettings:
        if self.min_insync_replicas > self.replication_factor:
            raise ValueError(
                f"L2C_TOPIC_MIN_INSYNC_REPLICAS ({self.min_insync_replicas}) exceeds "
                f"L2C_TOPIC_REPLICATION_FACTOR ({self.replication_factor}): no write could succeed"
            )
        return self


def new_topic(name: str, partitions: int, durability: TopicSettings) -> NewTopic:
    """The creation request of one topic with the configured replication."""
    return NewTopic(
        name,
        num_partitions=partitions,
        replication_factor=durability.replication_factor,
        topic_configs={"min.insync.replicas": str(durability.min_insync_replicas)},
    )


async def ensure_topics(
    bootstrap: str,
    topics: Iterable[str],
    partitions: int = 6,
    durability: TopicSettings | None = None,
) -> list[str]:
    """Create the missing topics; returns the ones it created. Replication factor and
    `min.insync.replicas` come from the environment unless `durability` is given."""
    durability = durability or TopicSettings()
    wanted = sorted(set(topics))
    admin = AIOKafkaAdminClient(**kafka_client_options(), bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if not missing:
            return []
        response = await admin.create_topics(
            [new_topic(t, partitions, durability) for t in missing]
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
