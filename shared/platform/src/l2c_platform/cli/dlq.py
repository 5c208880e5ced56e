"""`l2c dlq`: what a dead-letter topic holds, one record in full, and sending records back to
the topic they came from once their cause is fixed (see l2c_platform.dlq and
docs/delivery-guarantees.md)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from asyncpg import PostgresError

from l2c_platform.dlq import erased_leads, is_truncated, lead_of, replay, select
from l2c_platform.kafka_io import Record, read_topic
from l2c_platform.launcher import PlatformConfig
from l2c_schemas.topics import dead_letter_topic

app = typer.Typer(
    help="Dead letters: list them, show one, replay them to their topic.", no_args_is_help=True
)

Bootstrap = Annotated[str, typer.Option(envvar="KAFKA_BOOTSTRAP", help="Kafka bootstrap servers")]
Topic = Annotated[
    str,
    typer.Argument(
        help="the dead-letter topic (l2c.lead.intake.v1.dlq) or the topic it belongs to "
        "(l2c.lead.intake.v1)"
    ),
]
Consumer = Annotated[str | None, typer.Option(help="only records this consumer group gave up on")]
ErrorType = Annotated[str | None, typer.Option(help="only this error type, e.g. RuleViolation")]
AsJson = Annotated[bool, typer.Option("--json", help="one JSON document, for scripts")]


def dlq_topic(topic: str) -> str:
    return topic if topic.endswith(".dlq") else dead_letter_topic(topic)


def summary(record: Record) -> dict[str, Any]:
    """What an operator needs to decide about a dead letter, without its body."""
    h = record.headers
    return {
        "position": f"{record.partition}:{record.offset}",
        "type": h.get("ce_type"),
        "event_id": h.get("ce_id"),
        "original_topic": h.get("l2c_original_topic"),
        "consumer": h.get("l2c_consumer"),
        "error_type": h.get("l2c_error_type"),
        "error": h.get("l2c_error"),
        "truncated": is_truncated(record),
        "stored_as": h.get("l2c_dead_letter_id") if is_truncated(record) else None,
    }


def _records(bootstrap: str, topic: str, consumer: str | None, error: str | None) -> list[Record]:
    return select(asyncio.run(read_topic(bootstrap, dlq_topic(topic))), consumer, error)


@app.command(name="list")
def list_records(
    topic: Topic,
    consumer: Consumer = None,
    error_type: ErrorType = None,
    as_json: AsJson = False,
    bootstrap: Bootstrap = "127.0.0.1:9092",
) -> None:
    """Every dead letter of a topic, oldest first per partition:
    `l2c dlq list l2c.lead.intake.v1 --consumer lead-svc`."""
    records = [summary(r) for r in _records(bootstrap, topic, consumer, error_type)]
    if as_json:
        typer.echo(json.dumps({"topic": dlq_topic(topic), "records": records}, indent=2))
        return
    for r in records:
        typer.echo(
            f"{r['position']} {r['type']} {r['event_id']} [{r['consumer']}] "
            f"{r['error_type']}: {r['error']}"
        )
        if r["truncated"]:
            typer.echo(
                f"    body truncated: the full record is row {r['stored_as']} of table "
                f"dead_letter in the database of {r['consumer']}; it is not replayed"
            )
    typer.echo(f"{len(records)} records")


@app.command()
def show(
    topic: Topic,
    position: Annotated[str, typer.Argument(help="partition:offset, as `l2c dlq list` prints")],
    bootstrap: Bootstrap = "127.0.0.1:9092",
) -> None:
    """One dead letter in full (headers and body) as JSON:
    `l2c dlq show l2c.lead.intake.v1 0:12`."""
    found = [
        r for r in _records(bootstrap, topic, None, None) if f"{r.partition}:{r.offset}" == position
    ]
    if not found:
        typer.echo(f"no record at {position} of {dlq_topic(topic)}", err=True)
        raise typer.Exit(1)
    record = found[0]
    try:
        body: Any = record.json()
    except ValueError:
        body = (record.value or b"").decode("utf-8", errors="replace")
    typer.echo(
        json.dumps(
            {
                **summary(record),
                "key": None if record.key is None else record.key.decode(errors="replace"),
                "headers": record.headers,
                "body": body,
            },
            indent=2,
        )
    )


@app.command(name="replay")
def replay_records(
    topic: Topic,
    consumer: Consumer = None,
    error_type: ErrorType = None,
    dry_run: Annotated[bool, typer.Option(help="say what would be sent, send nothing")] = False,
    bootstrap: Bootstrap = "127.0.0.1:9092",
    database_prefix: Annotated[
        str, typer.Option(help="lead-svc's database is PREFIXlead (to find erased leads)")
    ] = "l2c_",
) -> None:
    """Send dead letters back to their original topic, once their cause is fixed:
    `l2c dlq replay l2c.lead.intake.v1 --consumer lead-svc --dry-run`. Consumers that handled
    a record before skip it (inbox); a truncated copy is never sent; a record about a lead
    that was erased since is withheld (it would bring the person back), which needs lead-svc's
    database (L2C_PG_URL)."""
    records = _records(bootstrap, topic, consumer, error_type)
    sendable = [r for r in records if not is_truncated(r)]
    leads = {(r.partition, r.offset): lead for r in sendable if (lead := lead_of(r)) is not None}
    try:
        erased = asyncio.run(
            erased_leads(PlatformConfig(database_prefix=database_prefix), set(leads.values()))
        )
    except (OSError, PostgresError) as exc:
        typer.echo(
            f"cannot tell whether the leads of these records were erased, so nothing is "
            f"replayed: lead-svc's database is unreadable ({exc})",
            err=True,
        )
        raise typer.Exit(2) from None
    withheld = [r for r in sendable if leads.get((r.partition, r.offset)) in erased]
    sendable = [r for r in sendable if leads.get((r.partition, r.offset)) not in erased]
    for r in withheld:
        typer.echo(
            f"withheld {r.partition}:{r.offset} {r.headers.get('ce_type')}: "
            f"lead {leads[(r.partition, r.offset)]} was erased"
        )
    if dry_run:
        for r in sendable:
            s = summary(r)
            typer.echo(
                f"would send {s['position']} {s['type']} {s['event_id']} to {s['original_topic']}"
            )
        typer.echo(f"{len(sendable)} of {len(records)} records would be replayed")
        return
    sent = asyncio.run(replay(bootstrap, sendable))
    typer.echo(f"replayed {sent} of {len(records)} records")
