"""A quote's validity and acceptance."""

from __future__ import annotations

from datetime import date

import pytest

from cpq_svc.domain.quotes import ensure_acceptable, valid_until
from l2c_runtime.errors import Conflict


def test_a_quote_is_valid_for_30_days_from_its_creation() -> None:
    assert valid_until(date(2026, 1, 15)) == date(2026, 2, 14)


def test_a_draft_quote_may_be_accepted_on_its_last_valid_day() -> None:
    ensure_acceptable("draft", date(2026, 2, 14), today=date(2026, 2, 14))


def test_accepting_an_expired_quote_is_refused() -> None:
    with pytest.raises(Conflict, match="expired on 2026-02-14"):
        ensure_acceptable("draft", date(2026, 2, 14), today=date(2026, 2, 15))


def test_accepting_an_accepted_quote_is_refused() -> None:
    with pytest.raises(Conflict, match="already accepted"):
        ensure_acceptable("accepted", date(2026, 2, 14), today=date(2026, 1, 20))
