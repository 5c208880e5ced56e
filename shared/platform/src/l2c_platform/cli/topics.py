"""`l2c topics`: the platform's topics on the broker: partitions, records held, and what each
is for (the public contract of docs/events-and-integration.md)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from l2c_runtime.kafka_client import kafka_client_options
from l2c_schemas.topics import (
    ALL_TOPICS,
    CLOCK,
    CONTEXT_TOPICS,
    INBOUND_TOPICS,
    INSIGHTS_EVENTS,
    OUTBOUND_TOPICS,
)

Bootstrap = Annotated[str, typer.Option(envvar="KAFKA_BOOTSTRAP", help="Kafka bootstrap servers")]


def role_of(topic: str) -> str:
    if topic.endswith(".dlq"):
        return "dead letters"
    if topic in CONTEXT_TOPICS or topic == INSIGHTS_EVENTS:
        return "events of a context"
    if topic in INBOUND_TOPICS:
        return "inbound from outside systems"
    if topic in OUTBOUND_TOPICS:
        return "outbound to outside systems"
    if topic == CLOCK:
        return "simulated clock"
    return "not L2C's"


async def describe(bootstrap: str) -> list[dict[str, Any]]:
    """Each `l2c.*` topic the broker has (and each the platform declares but it lacks), with
    its partitions and the records it holds (end minus start offsets)."""
    admin = AIOKafkaAdminClient(**kafka_client_options(), bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(**kafka_client_options(), bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        present = {t for t in await admin.list_topics() if t.startswith("l2c.")}
        described = await admin.describe_topics(sorted(present)) if present else []
        partitions = {
            d["topic"]: [TopicPartition(d["topic"], p["partition"]) for p in d["partitions"]]
            for d in described
            if d["error_code"] == 0
        }
        every = [tp for tps in partitions.values() for tp in tps]
        starts = await consumer.beginning_offsets(every) if every else {}
        ends = await consumer.end_offsets(every) if every else {}
        rows = []
        for name in sorted(present | {*ALL_TOPICS, CLOCK}):
            held = partitions.get(name, [])
            rows.append(
                {
                    "topic": name,
                    "role": role_of(name),
                    "partitions": len(held),
                    "records": sum(ends[tp] - starts[tp] for tp in held),
                    "missing": name not in present,
                }
            )
        return rows
    finally:
        await consumer.stop()
        await admin.close()


def topics(
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document, for scripts")] = False,
    bootstrap: Bootstrap = "127.0.0.1:9092",
) -> None:
    """The platform's topics, their partitions and the records they hold: `l2c topics`."""
    rows = asyncio.run(describe(bootstrap))
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    width = max(len(r["topic"]) for r in rows)
    for r in rows:
        state = (
            "MISSING"
            if r["missing"]
            else f"{r['partitions']:>3} partitions {r['records']:>9} records"
        )
        typer.echo(f"{r['topic']:<{width}}  {state}  {r['role']}")
