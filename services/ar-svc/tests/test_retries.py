from datetime import UTC, datetime

from ar_svc.domain.retries import next_retry

FAILED = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def test_first_failure_is_retried_the_next_day() -> None:
    assert next_retry(1, FAILED) == (1, datetime(2026, 3, 11, 9, 30, tzinfo=UTC))


def test_third_failure_is_retried_a_week_later() -> None:
    assert next_retry(3, FAILED) == (3, datetime(2026, 3, 17, 9, 30, tzinfo=UTC))


def test_after_three_retries_failed_no_more_retries_are_requested() -> None:
    assert next_retry(4, FAILED) is None
