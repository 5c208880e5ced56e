"""The life of a quote: draft → pending_approval → approved → sent → accepted / rejected /
expired, and revisions that supersede it. Each check raises Conflict with the reason."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from l2c_schemas.errors import Conflict

QuoteStatus = Literal[
    "draft",
    "pending_approval",
    "approved",
    "sent",
    "accepted",
    "rejected",
    "expired",
    "superseded",
]

VALIDITY_DAYS = 30
"""A quote's prices hold for 30 days from the day it is created."""

OPEN: frozenset[str] = frozenset({"draft", "pending_approval", "approved", "sent"})
"""Statuses in which a quote is still live and can expire."""


def valid_until(created_on: date, days: int = VALIDITY_DAYS) -> date:
    """Last day on which a quote created on `created_on` may be accepted."""
    return created_on + timedelta(days=days)


def is_expired(status: str, expires_on: date, today: date) -> bool:
    """An open quote expires the day after its last valid day."""
    return status in OPEN and today > expires_on


def _ensure_live(status: str, action: str, expires_on: date, today: date) -> None:
    if status == "superseded":
        raise Conflict(f"a superseded quote cannot be {action}: use its latest version")
    if status == "pending_approval":
        raise Conflict(f"the quote cannot be {action} while its discount approval is pending")
    if status not in OPEN:
        raise Conflict(f"the quote is already {status}")
    if today > expires_on:
        raise Conflict(f"the quote expired on {expires_on.isoformat()}")


def ensure_acceptable(status: str, expires_on: date, today: date) -> None:
    """A customer accepts a draft (discount within policy), approved or sent quote while it is
    valid and no approval is pending."""
    _ensure_live(status, "accepted", expires_on, today)


def ensure_sendable(status: str, expires_on: date, today: date) -> None:
    """A draft within policy or an approved quote may be sent to the customer while valid."""
    _ensure_live(status, "sent", expires_on, today)
    if status == "sent":
        raise Conflict("the quote is already sent")


def ensure_rejectable(status: str) -> None:
    """The customer may reject a quote that is still open and not waiting for approval."""
    if status == "pending_approval":
        raise Conflict("the quote cannot be rejected by the customer while approval is pending")
    if status not in OPEN:
        raise Conflict(f"the quote is already {status}")


def ensure_revisable(status: str) -> None:
    """Any version that is not accepted or already superseded may be revised into a new one."""
    if status == "accepted":
        raise Conflict("an accepted quote cannot be revised; amend the contract instead")
    if status == "superseded":
        raise Conflict("a superseded quote cannot be revised: revise its latest version")
