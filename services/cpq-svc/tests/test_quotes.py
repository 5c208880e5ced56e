"""A quote's validity and the transitions of its life."""

from __future__ import annotations

from datetime import date

import pytest

from cpq_svc.domain.quotes import (
    ensure_acceptable,
    ensure_rejectable,
    ensure_revisable,
    ensure_sendable,
    is_expired,
    valid_until,
)
from l2c_runtime.errors import Conflict

LAST_DAY = date(2026, 2, 14)
BEFORE = date(2026, 1, 20)


def test_a_quote_is_valid_for_30_days_from_its_creation() -> None:
    assert valid_until(date(2026, 1, 15)) == LAST_DAY


@pytest.mark.parametrize("status", ["draft", "approved", "sent"])
def test_a_draft_approved_or_sent_quote_may_be_accepted_on_its_last_valid_day(
    status: str,
) -> None:
    ensure_acceptable(status, LAST_DAY, today=LAST_DAY)


def test_accepting_an_expired_quote_is_refused() -> None:
    with pytest.raises(Conflict, match="expired on 2026-02-14"):
        ensure_acceptable("draft", LAST_DAY, today=date(2026, 2, 15))


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("accepted", "already accepted"),
        ("rejected", "already rejected"),
        ("expired", "already expired"),
        ("pending_approval", "while its discount approval is pending"),
        ("superseded", "use its latest version"),
    ],
)
def test_accepting_a_quote_that_is_not_open_is_refused_with_the_reason(
    status: str, reason: str
) -> None:
    with pytest.raises(Conflict, match=reason):
        ensure_acceptable(status, LAST_DAY, today=BEFORE)


def test_a_quote_waiting_for_approval_cannot_be_sent() -> None:
    with pytest.raises(Conflict, match="cannot be sent while its discount approval is pending"):
        ensure_sendable("pending_approval", LAST_DAY, BEFORE)


def test_a_sent_quote_is_not_sent_twice() -> None:
    with pytest.raises(Conflict, match="already sent"):
        ensure_sendable("sent", LAST_DAY, BEFORE)


def test_the_customer_may_reject_an_open_quote_but_not_an_accepted_one() -> None:
    ensure_rejectable("sent")
    with pytest.raises(Conflict, match="already accepted"):
        ensure_rejectable("accepted")


@pytest.mark.parametrize("status", ["draft", "pending_approval", "sent", "rejected", "expired"])
def test_any_unaccepted_latest_version_may_be_revised(status: str) -> None:
    ensure_revisable(status)


@pytest.mark.parametrize(
    ("status", "reason"), [("accepted", "amend the contract"), ("superseded", "latest version")]
)
def test_accepted_and_superseded_versions_cannot_be_revised(status: str, reason: str) -> None:
    with pytest.raises(Conflict, match=reason):
        ensure_revisable(status)


def test_an_open_quote_expires_the_day_after_its_last_valid_day() -> None:
    assert not is_expired("sent", LAST_DAY, LAST_DAY)
    assert is_expired("sent", LAST_DAY, date(2026, 2, 15))
    assert not is_expired("accepted", LAST_DAY, date(2026, 3, 1))
