"""`l2c-dlq`: look at a dead-letter topic and send its records back where they came from.

A record is replayed to its `l2c_original_topic` with its original headers (the `l2c_*` error
headers removed) and its original CloudEvents id, so every consumer that had already handled it
skips it again (inbox), and only the one that failed tries once more — after the cause (a bug, a
missing reference) was fixed."""

from __future__ import annotations

import argparse
import asyncio
import os

from aiokafka import AIOKafkaProducer

from l2c_platform.kafka_io import Record, read_topic
from l2c_runtime.kafka_client import kafka_client_options

ERROR_HEADER_PREFIX = "l2c_"


def original_headers(record: Record) -> list[tuple[str, bytes]]:
    """The headers the record had before it was dead-lettered."""
    return [
        (name, value.encode())
        for name, value in record.headers.items()
        if not name.startswith(ERROR_HEADER_PREFIX)
    ]


def select(records: list[Record], consumer: str | None, error_type: str | None) -> list[Record]:
    return [
        r
        for r in records
        if (consumer is None or r.headers.get("l2c_consumer") == consumer)
        and (error_type is None or r.headers.get("l2c_error_type") == error_type)
    ]


def is_truncated(record: Record) -> bool:
    """A copy too large for the dead-letter topic: its body is cut short, and the full record
    is in the consumer's database, table `dead_letter`, row `l2c_dead_letter_id`."""
    return record.headers.get("l2c_body_truncated") == "true"


async def replay(bootstrap: str, records: list[Record]) -> int:
    """Send the records back; a truncated copy is not sent (its body is not the event)."""
    producer = AIOKafkaProducer(
        **kafka_client_options(), bootstrap_servers=bootstrap, enable_idempotence=True, acks="all"
    )
    await producer.start()
    records = [r for r in records if not is_truncated(r)]
    try:
        for record in records:
            await producer.send_and_wait(
                record.headers["l2c_original_topic"],
                record.value,
                key=record.key,
                headers=original_headers(record),
            )
    finally:
        await producer.stop()
    return len(records)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["list", "replay"])
    parser.add_argument("topic", help="the dead-letter topic, e.g. l2c.lead.intake.v1.dlq")
    parser.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
    parser.add_argument("--consumer", help="only records this consumer group gave up on")
    parser.add_argument("--error-type", help="only this error type, e.g. RuleViolation")
    args = parser.parse_args()
    records = select(
        asyncio.run(read_topic(args.bootstrap, args.topic)), args.consumer, args.error_type
    )
    if args.command == "list":
        for r in records:
            h = r.headers
            print(
                f"{r.partition}:{r.offset} {h.get('ce_type', '?')} {h.get('ce_id', '?')} "
                f"[{h.get('l2c_consumer')}] {h.get('l2c_error_type')}: {h.get('l2c_error')}"
            )
            if is_truncated(r):
                print(
                    f"    body truncated ({h.get('l2c_body_bytes')} bytes): the full record is "
                    f"row {h.get('l2c_dead_letter_id')} of table dead_letter in the database "
                    f"of {h.get('l2c_consumer')}; it is not replayed"
                )
        print(f"{len(records)} records")
    else:
        print(f"replayed {asyncio.run(replay(args.bootstrap, records))} records")


if __name__ == "__main__":
    main()
