"""The AsyncAPI 3 document of L2C's topics, built from the code: the event registry (one
message per CloudEvents type, its payload the checked-in JSON Schema), the topic list (one
channel per topic and per dead-letter topic) and the service definitions (who sends and who
receives what). Pure apart from importing the services; `scripts/generate_api_docs.py`
writes it to shared/schemas/asyncapi.yaml."""

from __future__ import annotations

import importlib
from typing import Any

from l2c_platform.launcher import SERVICES
from l2c_runtime.consumer import MAX_REASON_CHARS
from l2c_runtime.service import ServiceDefinition
from l2c_schemas.base import JourneyEvent, Message
from l2c_schemas.envelope import CONTENT_TYPE, SPEC_VERSION
from l2c_schemas.jsonschema import file_name
from l2c_schemas.registry import MESSAGE_TYPES
from l2c_schemas.topics import ALL_TOPICS, INBOUND_TOPICS, dead_letter_topic

ASYNCAPI_VERSION = "3.0.0"
SCHEMA_DIR = "./jsonschema"
"""Where the payload schemas are, relative to the document (both under shared/schemas/)."""
SCHEMA_FORMAT = "application/schema+json;version=draft-07"
DEAD_LETTER = "DeadLetter"


def service_definitions() -> list[ServiceDefinition]:
    """Every service's definition, in the launcher's order."""
    return [importlib.import_module(f"{spec.package}.app").definition for spec in SERVICES]


def _channel_id(topic: str) -> str:
    return topic.replace(".", "-")


def _key_description(model: type[Message]) -> str | None:
    if issubclass(model, JourneyEvent):
        return (
            "account_id, or lead_id before the journey has an account: "
            "one customer's events stay in order"
        )
    if model.subject_field:
        return f"{model.subject_field} (also the CloudEvents subject)"
    return None


def _headers(ce_type: str, subject_field: str) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "ce_specversion": {"type": "string", "const": SPEC_VERSION},
        "ce_id": {"type": "string", "format": "uuid", "description": "unique per event"},
        "ce_type": {"type": "string", "const": ce_type},
        "ce_source": {"type": "string", "description": "the producing service, e.g. lead-svc"},
        "ce_time": {"type": "string", "format": "date-time"},
        "content-type": {"type": "string", "const": CONTENT_TYPE},
        "traceparent": {"type": "string", "description": "W3C trace context of the producer"},
    }
    if subject_field:
        properties["ce_subject"] = {
            "type": "string",
            "description": f"the aggregate: the event's {subject_field}",
        }
    return {
        "type": "object",
        "description": "CloudEvents 1.0, Kafka protocol binding, binary content mode",
        "required": ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time"],
        "properties": properties,
    }


def _message(ce_type: str, model: type[Message]) -> dict[str, Any]:
    doc = (model.__doc__ or "").strip()
    message: dict[str, Any] = {
        "name": ce_type,
        "title": model.__name__,
        "contentType": CONTENT_TYPE,
        "headers": _headers(ce_type, model.subject_field),
        "payload": {
            "schemaFormat": SCHEMA_FORMAT,
            "schema": {"$ref": f"{SCHEMA_DIR}/{file_name(ce_type)}"},
        },
    }
    if doc:
        message["summary"] = doc.splitlines()[0]
    key = _key_description(model)
    if key is not None:
        message["bindings"] = {
            "kafka": {"key": {"type": "string", "description": key}, "bindingVersion": "0.5.0"}
        }
    return message


def _dead_letter_message() -> dict[str, Any]:
    reasons: dict[str, Any] = {
        "l2c_error_type": {"type": "string", "description": "class of the failure"},
        "l2c_error": {"type": "string", "maxLength": MAX_REASON_CHARS, "description": "why"},
        "l2c_original_topic": {"type": "string"},
        "l2c_original_partition": {"type": "string", "pattern": "^[0-9]+$"},
        "l2c_original_offset": {"type": "string", "pattern": "^[0-9]+$"},
        "l2c_consumer": {"type": "string", "description": "the consumer group that gave up"},
    }
    return {
        "name": DEAD_LETTER,
        "title": "Dead letter",
        "summary": "A record its consumer could never process, with the reason.",
        "description": (
            "Key and body are the original record's; the headers are the original's plus why "
            "and where it failed. A body too large for the dead-letter topic is truncated and "
            "kept whole in the consumer's database. `l2c dlq` lists and replays them."
        ),
        "headers": {
            "type": "object",
            "required": list(reasons),
            "properties": reasons,
            "additionalProperties": {"type": "string"},
        },
        "payload": {"description": "the original record's body, unchanged"},
    }


def _operation(action: str, topic: str, messages: list[str], summary: str) -> dict[str, Any]:
    channel = _channel_id(topic)
    return {
        "action": action,
        "summary": summary,
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [{"$ref": f"#/channels/{channel}/messages/{m}"} for m in messages],
    }


def build(definitions: list[ServiceDefinition]) -> dict[str, Any]:
    """The whole document for these service definitions."""
    by_topic: dict[str, list[str]] = {topic: [] for topic in ALL_TOPICS}
    for ce_type, model in sorted(MESSAGE_TYPES.items()):
        by_topic.setdefault(model.topic, []).append(ce_type)
    dead_letter_topics = {dead_letter_topic(t) for t in ALL_TOPICS if not t.endswith(".dlq")}
    channels: dict[str, Any] = {}
    for topic in sorted(by_topic):
        names = [DEAD_LETTER] if topic in dead_letter_topics else by_topic[topic]
        if not names:
            continue
        channels[_channel_id(topic)] = {
            "address": topic,
            "title": topic,
            "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in names},
        }
        if topic in INBOUND_TOPICS:
            channels[_channel_id(topic)]["description"] = (
                "Inbound: systems outside L2C publish here as the `integration` principal."
            )
    operations: dict[str, Any] = {}
    for definition in definitions:
        consumed = sorted(definition.handlers.topics)
        for topic in sorted(definition.produces):
            operations[f"{definition.name}.send.{topic}"] = _operation(
                "send", topic, by_topic[topic], f"{definition.name} publishes on {topic}"
            )
        for topic in consumed:
            operations[f"{definition.name}.receive.{topic}"] = _operation(
                "receive", topic, by_topic[topic], f"{definition.name} consumes {topic}"
            )
            dlq = dead_letter_topic(topic)
            operations[f"{definition.name}.send.{dlq}"] = _operation(
                "send", dlq, [DEAD_LETTER], f"{definition.name} dead-letters what it cannot take"
            )
    messages = {
        ce_type: _message(ce_type, model) for ce_type, model in sorted(MESSAGE_TYPES.items())
    }
    messages[DEAD_LETTER] = _dead_letter_message()
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "L2C events",
            "version": "1.0.0",
            "description": (
                "Every topic of the L2C lead-to-cash platform: the events each bounded context "
                "publishes, the inbound integration topics, and a dead-letter topic beside "
                "each consumed topic. Generated from the code (`make api-docs`); do not edit."
            ),
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "kafka": {
                "host": "{bootstrap}",
                "protocol": "kafka",
                "description": "The L2C cluster; every principal authenticates with SCRAM.",
                "variables": {"bootstrap": {"default": "127.0.0.1:9092"}},
                "security": [{"$ref": "#/components/securitySchemes/scram"}],
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "securitySchemes": {
                "scram": {
                    "type": "scramSha512",
                    "description": "one principal per service; ACLs in deploy/local/kafka/acls.txt",
                }
            },
        },
    }
