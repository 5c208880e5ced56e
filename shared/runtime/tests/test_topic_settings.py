"""Replication settings of the topics L2C creates: read from the environment, checked."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from l2c_runtime.topics import TopicSettings, new_topic


def test_defaults_fit_one_local_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("L2C_TOPIC_REPLICATION_FACTOR", raising=False)
    monkeypatch.delenv("L2C_TOPIC_MIN_INSYNC_REPLICAS", raising=False)
    settings = TopicSettings()
    assert (settings.replication_factor, settings.min_insync_replicas) == (1, 1)


def test_production_values_reach_the_creation_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("L2C_TOPIC_REPLICATION_FACTOR", "3")
    monkeypatch.setenv("L2C_TOPIC_MIN_INSYNC_REPLICAS", "2")
    request = new_topic("l2c.lead.events.v1", 12, TopicSettings())
    assert request.name == "l2c.lead.events.v1"
    assert request.num_partitions == 12
    assert request.replication_factor == 3
    assert request.topic_configs == {"min.insync.replicas": "2"}


def test_more_insync_replicas_than_copies_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("L2C_TOPIC_REPLICATION_FACTOR", "1")
    monkeypatch.setenv("L2C_TOPIC_MIN_INSYNC_REPLICAS", "2")
    with pytest.raises(ValidationError, match="no write could succeed"):
        TopicSettings()


@pytest.mark.parametrize("value", ["0", "-1", "33"])
def test_out_of_range_replication_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("L2C_TOPIC_REPLICATION_FACTOR", value)
    with pytest.raises(ValidationError):
        TopicSettings()
