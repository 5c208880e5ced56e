"""An operator replays a dead letter: it goes back to its original topic with its original
headers and event id, without the error headers."""

from __future__ import annotations

from uuid import uuid4

import pytest

from l2c_platform.dlq import replay, select
from l2c_platform.kafka_io import publish, read_topic
from l2c_platform.launcher import Infrastructure
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
