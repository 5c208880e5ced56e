"""The committed AsyncAPI and OpenAPI documents are what the code generates now, and the
AsyncAPI document covers every topic, dead-letter topic and event type of the contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from l2c_platform import api_docs
from l2c_platform.asyncapi import DEAD_LETTER, build, service_definitions
from l2c_schemas.jsonschema import file_name
from l2c_schemas.registry import MESSAGE_TYPES
from l2c_schemas.topics import ALL_TOPICS, dead_letter_topic

ROOT = Path(__file__).resolve().parents[2]


def test_committed_documents_are_current() -> None:
    problems = api_docs.differences(ROOT, api_docs.expected_files())
    assert not problems, f"{problems}: run `make api-docs` and commit the result"


def _document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / api_docs.ASYNCAPI_PATH).read_text())
    return document


def test_every_event_type_is_a_message_with_its_schema_file() -> None:
    messages = _document()["components"]["messages"]
    assert set(messages) == {*MESSAGE_TYPES, DEAD_LETTER}
    schema_dir = ROOT / api_docs.ASYNCAPI_PATH.parent
    for ce_type in MESSAGE_TYPES:
        reference = messages[ce_type]["payload"]["schema"]["$ref"]
        assert reference == f"./jsonschema/{file_name(ce_type)}"
        assert (schema_dir / reference).is_file()
        assert messages[ce_type]["headers"]["properties"]["ce_type"]["const"] == ce_type


def test_every_topic_is_a_channel_and_its_events_travel_on_it() -> None:
    channels = {c["address"]: c for c in _document()["channels"].values()}
    assert set(channels) == {*ALL_TOPICS, *(m.topic for m in MESSAGE_TYPES.values())}
    for ce_type, model in MESSAGE_TYPES.items():
        assert ce_type in channels[model.topic]["messages"]
    for topic in ALL_TOPICS:
        if topic.endswith(".dlq"):
            assert list(channels[topic]["messages"]) == [DEAD_LETTER]


def test_journey_events_are_keyed_by_account_else_lead() -> None:
    message = _document()["components"]["messages"]["l2c.billing.InvoiceIssued.v1"]
    key = message["bindings"]["kafka"]["key"]
    assert key["type"] == "string"
    assert key["description"].startswith("account_id, or lead_id")


def test_each_consumer_receives_its_topics_and_dead_letters_beside_them() -> None:
    document = build(service_definitions())
    operations = document["operations"]
    for definition in service_definitions():
        for topic in definition.handlers.topics:
            assert operations[f"{definition.name}.receive.{topic}"]["action"] == "receive"
            dlq = operations[f"{definition.name}.send.{dead_letter_topic(topic)}"]
            assert dlq["action"] == "send"
        for topic in definition.produces:
            assert operations[f"{definition.name}.send.{topic}"]["action"] == "send"
