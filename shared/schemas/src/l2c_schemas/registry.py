"""Every message type of the contract, by CloudEvents type."""

from __future__ import annotations

from l2c_schemas import ar, billing, clock, contract, cpq, deal, insights, lead
from l2c_schemas.base import Message

_MODULES = (lead, deal, cpq, contract, billing, ar, insights, clock)

MESSAGE_TYPES: dict[str, type[Message]] = {
    obj.ce_type: obj
    for module in _MODULES
    for obj in vars(module).values()
    if isinstance(obj, type) and issubclass(obj, Message) and obj.ce_type
}


def message_type(ce_type: str) -> type[Message] | None:
    """The model of a CloudEvents type, or None for a type this contract does not know."""
    return MESSAGE_TYPES.get(ce_type)


def _context(ce_type: str) -> str:
    """`l2c.<context>.<EventName>.v<major>` -> `<context>`."""
    parts = ce_type.split(".")
    return parts[1] if len(parts) > 2 else ""


TOPIC_CONTEXTS: dict[str, frozenset[str]] = {
    topic: frozenset(_context(t) for t, m in MESSAGE_TYPES.items() if m.topic == topic)
    for topic in {m.topic for m in MESSAGE_TYPES.values()}
}
"""Which contexts publish on each topic (e.g. `l2c.payments.inbound.v1`: `payments`)."""


def misplaced(ce_type: str, topic: str) -> str | None:
    """Why an event of type `ce_type` may not be taken from `topic`, or None when it may.

    A type of the contract belongs on its own topic only: a `CreditNoteIssued` on the payment
    notifications topic is somebody publishing billing's events where they have no business.
    A type the contract does not know (a newer event) may come only from a context that
    publishes on that topic."""
    model = MESSAGE_TYPES.get(ce_type)
    if model is not None:
        if model.topic == topic:
            return None
        return f"{ce_type} belongs on {model.topic}, not on {topic}"
    contexts = TOPIC_CONTEXTS.get(topic)
    if contexts is None or _context(ce_type) in contexts:
        return None
    return f"{ce_type} is not an event of {', '.join(sorted(contexts))} and may not be on {topic}"
