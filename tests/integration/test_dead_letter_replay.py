"""An operator replays a dead letter: it goes back to its original topic with its original
headers and event id, without the error headers."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest

from l2c_platform.dlq import replay, select
from l2c_platform.kafka_io import publish, read_topic
from l2c_platform.launcher import Infrastructure
from l2c_platform.testing import run_l2c
from l2c_runtime.topics import ensure_topics

pytestmark = pytest.mark.integration


async def test_replay_sends_a_dead_letter_back_as_it_was(infra: Infrastructure) -> None:
    topic = f"l2c.test.replay.{uuid4().hex[:8]}"
    dlq = f"{topic}.dlq"
    await ensure_topics(infra.kafka_bootstrap, [topic, dlq], partitions=1)
    original = [
        ("ce_id", b"evt-1"),
        ("ce_type", b"l2c.test.Thing.v1"),
        ("ce_source", b"/t"),
        ("ce_specversion", b"1.0"),
    ]
    errors = [
        ("l2c_error", b"no opportunity 42"),
        ("l2c_error_type", b"RuleViolation"),
        ("l2c_original_topic", topic.encode()),
        ("l2c_consumer", b"deal-svc"),
    ]
    await publish(infra.kafka_bootstrap, dlq, b'{"x": 1}', [*original, *errors], key=b"acct-1")
    invalid = [
        ("l2c_error_type", b"InvalidMessage"),
        ("l2c_original_topic", topic.encode()),
        ("l2c_consumer", b"lead-svc"),
    ]
    await publish(infra.kafka_bootstrap, dlq, b"{}", [*original, *invalid])

    truncated = [*errors, ("l2c_body_truncated", b"true"), ("l2c_dead_letter_id", b"7")]
    await publish(infra.kafka_bootstrap, dlq, b'{"x": "cut sh', [*original, *truncated])

    chosen = select(await read_topic(infra.kafka_bootstrap, dlq), "deal-svc", "RuleViolation")
    assert len(chosen) == 2
    assert await replay(infra.kafka_bootstrap, chosen) == 1  # not the truncated body

    [back] = await read_topic(infra.kafka_bootstrap, topic)
    assert back.key == b"acct-1" and back.value == b'{"x": 1}'
    assert back.headers == {k: v.decode() for k, v in original}


async def _l2c(*args: str) -> str:
    done = await run_l2c(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def test_the_l2c_command_lists_shows_and_replays_dead_letters(
    infra: Infrastructure,
) -> None:
    topic = f"l2c.test.cli.{uuid4().hex[:8]}"
    dlq = f"{topic}.dlq"
    await ensure_topics(infra.kafka_bootstrap, [topic, dlq], partitions=1)
    base = [("ce_id", b"evt-1"), ("ce_type", b"l2c.test.Thing.v1"), ("ce_specversion", b"1.0")]
    failed = [
        ("l2c_error", b"no opportunity 42"),
        ("l2c_error_type", b"RuleViolation"),
        ("l2c_original_topic", topic.encode()),
        ("l2c_consumer", b"deal-svc"),
    ]
    await publish(infra.kafka_bootstrap, dlq, b'{"x": 1}', [*base, *failed], key=b"acct-1")
    cut = [*failed, ("l2c_body_truncated", b"true"), ("l2c_dead_letter_id", b"7")]
    await publish(infra.kafka_bootstrap, dlq, b'{"x": "cut', [("ce_id", b"evt-2"), *cut])
    bootstrap = ("--bootstrap", infra.kafka_bootstrap)

    listed = json.loads(await _l2c("dlq", "list", topic, "--json", *bootstrap))
    assert listed["topic"] == dlq
    assert [(r["position"], r["event_id"], r["truncated"]) for r in listed["records"]] == [
        ("0:0", "evt-1", False),
        ("0:1", "evt-2", True),
    ]
    assert listed["records"][0]["error"] == "no opportunity 42"
    assert listed["records"][1]["stored_as"] == "7"

    shown = json.loads(await _l2c("dlq", "show", dlq, "0:0", *bootstrap))
    assert shown["body"] == {"x": 1} and shown["key"] == "acct-1"
    assert shown["consumer"] == "deal-svc"

    dry = await _l2c("dlq", "replay", topic, "--dry-run", *bootstrap)
    assert "1 of 2 records would be replayed" in dry
    assert await read_topic(infra.kafka_bootstrap, topic) == []
    assert "replayed 1 of 2 records" in await _l2c("dlq", "replay", topic, *bootstrap)
    [back] = await read_topic(infra.kafka_bootstrap, topic)
    assert back.value == b'{"x": 1}' and back.headers["ce_id"] == "evt-1"

    described = {r["topic"]: r for r in json.loads(await _l2c("topics", "--json", *bootstrap))}
    assert (described[dlq]["records"], described[topic]["records"]) == (2, 1)
    assert described[dlq]["role"] == "dead letters"
    assert described["l2c.lead.intake.v1"]["role"] == "inbound from outside systems"
    assert described["l2c.payments.outbound.v1"]["role"] == "outbound to outside systems"
