"""Every message type of the contract, by CloudEvents type."""

from __future__ import annotations

from l2c_schemas import ar, billing, clock, contract, cpq, deal, lead
from l2c_schemas.base import Message

_MODULES = (lead, deal, cpq, contract, billing, ar, clock)

MESSAGE_TYPES: dict[str, type[Message]] = {
    obj.ce_type: obj
    for module in _MODULES
    for obj in vars(module).values()
    if isinstance(obj, type) and issubclass(obj, Message) and obj.ce_type
}


def message_type(ce_type: str) -> type[Message] | None:
    """The model of a CloudEvents type, or None for a type this contract does not know."""
    return MESSAGE_TYPES.get(ce_type)
