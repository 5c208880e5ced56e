"""One journey fact per event: what happened to which lead, when, by whom, with which ids and
amounts. Facts are stored by event id and assembled into journeys on read, so the order in
which events of different topics arrive changes nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel

from l2c_schemas.base import JourneyEvent
from l2c_schemas.money import Money

DETAIL_FIELDS = (
    "source",
    "campaign",
    "segment",
    "outcome",
    "kind",
    "invoice_number",
    "reason",
    "from_stage",
    "to_stage",
    "version",
    "currency",
    "step_name",
    "days_past_due",
    "team",
    "billing_period",
    "billing_timing",
)
"""The few descriptive fields a journey shows. Personal data (names, e-mail addresses) is
never kept here."""

OWNER_FIELDS = ("new_owner_id", "owner_id", "owner")
MAX_DETAIL_CHARS = 200
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
_EVENT_TIME_IS_ENVELOPE = frozenset({"PaymentRetryRequested"})
"""Events whose only timestamp is in the future (when a retry is planned): their time is the
CloudEvents time."""


@dataclass(frozen=True)
class Fact:
    event_id: str
    stage: str
    """The event's name, e.g. `LeadCaptured`."""
    lead_id: UUID
    account_id: UUID | None
    occurred_at: datetime
    actor: str | None = None
    owner: str | None = None
    trace_id: str | None = None
    ids: dict[str, str] = field(default_factory=dict)
    amounts: dict[str, str] = field(default_factory=dict)
    """Money fields as exact decimal strings, nested ones as `totals.net_total`; their
    currency is `detail["currency"]`."""
    detail: dict[str, str] = field(default_factory=dict)


def trace_id_of(traceparent: str | None) -> str | None:
    """The trace id of a W3C traceparent header, or None when absent or malformed."""
    if not traceparent:
        return None
    match = _TRACEPARENT.match(traceparent.strip().lower())
    if match is None or set(match.group(1)) == {"0"}:
        return None
    return match.group(1)


def event_time(message: JourneyEvent, envelope_time: datetime) -> datetime:
    """When the event happened: its last timestamp field (e.g. `assigned_at` after
    `first_contact_due_at`), else the CloudEvents time."""
    if type(message).__name__ in _EVENT_TIME_IS_ENVELOPE:
        return envelope_time
    latest = None
    for name in type(message).model_fields:
        value = getattr(message, name)
        if isinstance(value, datetime) and (name.endswith("_at") or name.endswith("_since")):
            latest = value
    return latest or envelope_time


def fact_of(
    message: JourneyEvent, event_id: str, envelope_time: datetime, traceparent: str | None
) -> Fact:
    ids: dict[str, str] = {}
    amounts: dict[str, str] = {}
    detail: dict[str, str] = {}
    owner = None
    for name in type(message).model_fields:
        value = getattr(message, name)
        if value is None or name in ("lead_id", "account_id", "actor"):
            continue
        if name.endswith("_id") and isinstance(value, UUID):
            ids[name] = str(value)
        elif isinstance(value, Money):
            amounts[name] = str(value.amount)
            detail.setdefault("currency", value.currency)
        elif isinstance(value, BaseModel):
            for sub, sub_value in value:
                if isinstance(sub_value, Money):
                    amounts[f"{name}.{sub}"] = str(sub_value.amount)
                    detail.setdefault("currency", sub_value.currency)
        if name in OWNER_FIELDS and isinstance(value, str) and owner is None:
            owner = value
        if name in DETAIL_FIELDS and isinstance(value, str | int):
            detail[name] = str(value)[:MAX_DETAIL_CHARS]
    return Fact(
        event_id=event_id,
        stage=type(message).__name__,
        lead_id=message.lead_id,
        account_id=message.account_id,
        occurred_at=event_time(message, envelope_time),
        actor=message.actor,
        owner=owner,
        trace_id=trace_id_of(traceparent),
        ids=ids,
        amounts=amounts,
        detail=detail,
    )
