"""When to charge a failed card payment again (smart retries, simplified to a schedule).

A card that failed is retried 1, 3 and 7 days after the failure that triggers the retry;
after the third retry fails, collection is left to dunning."""

from __future__ import annotations

from datetime import datetime, timedelta

CARD_RETRY_DAYS: tuple[int, ...] = (1, 3, 7)


def next_retry(
    failures: int, failed_at: datetime, schedule: tuple[int, ...] = CARD_RETRY_DAYS
) -> tuple[int, datetime] | None:
    """(attempt number, when) of the retry after the `failures`-th failed attempt at the same
    invoice, or None once the schedule is used up."""
    if failures < 1 or failures > len(schedule):
        return None
    return failures, failed_at + timedelta(days=schedule[failures - 1])
