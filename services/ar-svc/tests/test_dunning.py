from datetime import date, timedelta

import pytest

from ar_svc.domain.dunning import (
    DEFAULT_POLICY,
    DunningDecision,
    DunningPolicy,
    DunningStep,
    decide_dunning,
    next_dunning_day,
)

DUE = date(2026, 3, 31)


def on(days_after_due: int, steps_sent: int = 0, announced: bool = False) -> DunningDecision:
    return decide_dunning(
        DEFAULT_POLICY, DUE, DUE + timedelta(days_after_due), steps_sent, announced
    )


def test_nothing_happens_on_or_before_the_due_date() -> None:
    assert on(0) == DunningDecision(days_past_due=0)
    assert on(-5) == DunningDecision(days_past_due=-5)


def test_the_day_after_due_the_invoice_is_overdue_and_the_first_reminder_goes_out() -> None:
    assert on(1) == DunningDecision(days_past_due=1, overdue=True, notice=1)


def test_a_sent_step_is_not_sent_again() -> None:
    assert on(3, steps_sent=1, announced=True) == DunningDecision(days_past_due=3)


def test_schedule_steps_at_7_14_and_final_at_30() -> None:
    assert on(7, 1, True).notice == 2
    assert on(14, 2, True).notice == 3
    final = on(30, 3, True)
    assert (final.notice, final.delinquent, final.write_off) == (4, True, False)


def test_after_a_gap_only_the_latest_due_step_is_sent() -> None:
    # Scheduler away from day 2 to day 20: the third reminder, not the second and third.
    assert on(20, steps_sent=1, announced=True).notice == 3


def test_written_off_90_days_past_due() -> None:
    assert on(89, 4, True).write_off is False
    assert on(90, 4, True) == DunningDecision(days_past_due=90, write_off=True)


def test_policy_from_json_with_no_write_off() -> None:
    policy = DunningPolicy.from_json(
        '{"steps": [{"days_after_due": 3, "name": "nudge", "channel": "sms"},'
        ' {"days_after_due": 10, "name": "last call", "final": true}],'
        ' "write_off_after_days": null}'
    )
    decision = decide_dunning(policy, DUE, DUE + timedelta(days=400), 1, True)
    assert decision == DunningDecision(days_past_due=400, notice=2, delinquent=True)


def test_a_schedule_out_of_order_is_refused() -> None:
    with pytest.raises(ValueError, match="increasing"):
        DunningPolicy((DunningStep(7, "b"), DunningStep(1, "a")))


def test_next_dunning_day_is_the_next_step_then_the_write_off() -> None:
    # due 31 March: first reminder sent on 1 April → next look on 7 April (due + 7)
    assert next_dunning_day(DEFAULT_POLICY, DUE, 1, date(2026, 4, 1)) == date(2026, 4, 7)
    # final notice sent on 30 April (due + 30) → write-off on 29 June (due + 90)
    assert next_dunning_day(DEFAULT_POLICY, DUE, 4, date(2026, 4, 30)) == date(2026, 6, 29)
    assert next_dunning_day(DEFAULT_POLICY, DUE, 4, date(2026, 6, 29)) is None


def test_without_write_off_nothing_is_left_after_the_final_notice() -> None:
    policy = DunningPolicy((DunningStep(5, "only"),), write_off_after_days=None)
    assert next_dunning_day(policy, DUE, 1, DUE + timedelta(days=5)) is None
