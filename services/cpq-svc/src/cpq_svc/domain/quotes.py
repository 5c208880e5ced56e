"""The life of a quote: how long it is valid and when it may be accepted."""

from __future__ import annotations

from datetime import date, timedelta

from l2c_runtime.errors import Conflict

VALIDITY_DAYS = 30
"""A quote's prices hold for 30 days from the day it is created."""


def valid_until(created_on: date) -> date:
    """Last day on which a quote created on `created_on` may be accepted."""
    return created_on + timedelta(days=VALIDITY_DAYS)


def ensure_acceptable(status: str, expires_on: date, today: date) -> None:
    """A customer accepts a draft quote while it is valid; Conflict with the reason if not."""
    if status == "accepted":
        raise Conflict("the quote is already accepted")
    if status != "draft":
        raise Conflict(f"a {status} quote cannot be accepted")
    if today > expires_on:
        raise Conflict(f"the quote expired on {expires_on.isoformat()}")
