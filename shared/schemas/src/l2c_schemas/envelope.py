"""CloudEvents 1.0, Kafka protocol binding, binary content mode.

Attributes travel as `ce_*` headers, the event data is the JSON body, and `content-type`
names its media type. Any Kafka client can produce and consume L2C events with this alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import NamedTuple, TypeVar
from uuid import UUID, uuid4

from pydantic import ValidationError

from l2c_schemas.base import Message
from l2c_schemas.registry import message_type

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"
M = TypeVar("M", bound=Message)

Headers = list[tuple[str, bytes]]


class InvalidMessage(ValueError):
    """A record that can never be processed: missing attributes, unknown type, bad data."""


class CloudEvent(NamedTuple):
    """The CloudEvents attributes of one record (immutable; a named tuple because every
    consumed record makes one, and a frozen dataclass costs four times as much to build)."""

    id: str
    type: str
    source: str
    time: datetime
    subject: str | None = None
    extensions: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class KafkaRecord:
    topic: str
    key: bytes | None
    value: bytes
    headers: Headers


def encode(
    message: Message,
    *,
    source: str,
    event_id: UUID | None = None,
    time: datetime | None = None,
    extensions: Mapping[str, str] | None = None,
) -> KafkaRecord:
    """The Kafka record of a message: CloudEvents headers, JSON body, key per the contract."""
    headers = attribute_headers(
        message, source=source, event_id=event_id, time=time, extensions=extensions
    )
    key = message.message_key()
    return KafkaRecord(
        topic=message.topic,
        key=key.encode() if key is not None else None,
        value=message.__pydantic_serializer__.to_json(message),
        headers=[(name, value.encode()) for name, value in headers],
    )


def attribute_headers(
    message: Message,
    *,
    source: str,
    event_id: UUID | None = None,
    time: datetime | None = None,
    extensions: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """The CloudEvents headers of a message as text (name, value) pairs (`encode` sends them
    UTF-8 encoded; an outbox row stores them as they are)."""
    moment = (time or datetime.now(UTC)).astimezone(UTC)
    headers = [
        ("ce_specversion", SPEC_VERSION),
        ("ce_id", str(event_id or uuid4())),
        ("ce_type", message.ce_type),
        ("ce_source", source),
        ("ce_time", moment.isoformat().replace("+00:00", "Z")),
        ("content-type", CONTENT_TYPE),
    ]
    subject = message.subject()
    if subject is not None:
        headers.append(("ce_subject", subject))
    for name, value in (extensions or {}).items():
        headers.append((f"ce_{name}", value))
    return headers


_KNOWN_ATTRIBUTES = frozenset({"id", "type", "source", "specversion", "time", "subject"})


def read_attributes(headers: Iterable[tuple[str, bytes]]) -> CloudEvent:
    """The CloudEvents attributes from record headers; InvalidMessage if required ones lack."""
    headers = headers if isinstance(headers, list) else list(headers)
    try:
        attrs = {name[3:]: raw.decode() for name, raw in headers if name[:3] == "ce_"}
    except UnicodeDecodeError:
        bad = next(name for name, raw in headers if name[:3] == "ce_" and not _utf8(raw))
        raise InvalidMessage(f"header {bad} is not UTF-8") from None
    try:
        event_id, kind, source = attrs["id"], attrs["type"], attrs["source"]
        if not (event_id and kind and source and attrs["specversion"]):
            raise KeyError
    except KeyError:
        missing = [a for a in ("id", "type", "source", "specversion") if not attrs.get(a)]
        raise InvalidMessage(
            f"missing CloudEvents headers: {', '.join('ce_' + m for m in missing)}"
        ) from None
    if attrs["specversion"] != SPEC_VERSION:
        raise InvalidMessage(f"unsupported ce_specversion {attrs['specversion']!r}")
    stamp = attrs.get("time")
    try:
        time = datetime.fromisoformat(stamp) if stamp else datetime.now(UTC)
    except ValueError as exc:
        raise InvalidMessage(f"ce_time {stamp!r} is not ISO-8601") from exc
    if not attrs.keys() <= _KNOWN_ATTRIBUTES:
        extensions = {k: v for k, v in attrs.items() if k not in _KNOWN_ATTRIBUTES}
        return CloudEvent(event_id, kind, source, time, attrs.get("subject"), extensions)
    return CloudEvent(event_id, kind, source, time, attrs.get("subject"))


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode()
    except UnicodeDecodeError:
        return False
    return True


def decode_data(event: CloudEvent, value: bytes | None) -> Message:
    """Validate the JSON body against the model of the event's type."""
    model = message_type(event.type)
    if model is None:
        raise InvalidMessage(f"unknown event type {event.type!r}")
    return decode_as(model, value)


def decode_as(model: type[M], value: bytes | None) -> M:
    if not value:
        raise InvalidMessage("empty body")
    try:
        return model.model_validate_json(value)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<body>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise InvalidMessage(f"{model.ce_type} is invalid: {problems}") from exc
