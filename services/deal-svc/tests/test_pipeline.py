"""The sales pipeline's rules: stage order, probabilities, the amount gate, closing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from deal_svc.domain.pipeline import (
    PIPELINE,
    Stage,
    close_lost_reason,
    may_close_won,
    move_stage,
    parse_stage,
    probability_of,
    stage_gate,
)
from l2c_runtime.errors import Conflict, RuleViolation

AMOUNT = Decimal("1102.50")


def test_stages_run_from_qualification_to_the_two_closed_stages() -> None:
    assert [str(s) for s in PIPELINE] == [
        "qualification",
        "discovery",
        "proposal",
        "negotiation",
        "closed_won",
        "closed_lost",
    ]


@pytest.mark.parametrize(
    ("stage", "probability"),
    [
        (Stage.QUALIFICATION, 10),
        (Stage.DISCOVERY, 20),
        (Stage.PROPOSAL, 50),
        (Stage.NEGOTIATION, 75),
        (Stage.CLOSED_WON, 100),
        (Stage.CLOSED_LOST, 0),
    ],
)
def test_each_stage_has_its_default_win_probability(stage: Stage, probability: int) -> None:
    assert probability_of(stage) == probability


def test_a_deal_moves_forward_and_takes_the_stage_probability() -> None:
    move = move_stage(Stage.QUALIFICATION, Stage.DISCOVERY, None)
    assert (move.from_stage, move.to_stage, move.probability) == (
        Stage.QUALIFICATION,
        Stage.DISCOVERY,
        20,
    )


def test_a_deal_may_skip_stages_forwards() -> None:
    assert move_stage(Stage.QUALIFICATION, Stage.PROPOSAL, None).probability == 50


def test_a_deal_may_move_backwards() -> None:
    assert move_stage(Stage.NEGOTIATION, Stage.DISCOVERY, AMOUNT).probability == 20


def test_proposal_needs_no_amount_because_the_quote_is_accepted_after_it() -> None:
    assert stage_gate(Stage.PROPOSAL, None).passed


def test_negotiation_without_an_amount_is_refused_with_the_reason() -> None:
    gate = stage_gate(Stage.NEGOTIATION, None)
    assert not gate.passed
    assert "requires an amount" in gate.reason
    with pytest.raises(Conflict, match="requires an amount"):
        move_stage(Stage.PROPOSAL, Stage.NEGOTIATION, None)


def test_negotiation_with_the_accepted_quote_amount_is_allowed() -> None:
    assert stage_gate(Stage.NEGOTIATION, AMOUNT).passed
    assert move_stage(Stage.PROPOSAL, Stage.NEGOTIATION, AMOUNT).probability == 75


@pytest.mark.parametrize("closed", [Stage.CLOSED_WON, Stage.CLOSED_LOST])
def test_moving_to_a_closed_stage_is_refused(closed: Stage) -> None:
    with pytest.raises(Conflict, match="cannot be set as a stage"):
        move_stage(Stage.NEGOTIATION, closed, AMOUNT)


@pytest.mark.parametrize("closed", [Stage.CLOSED_WON, Stage.CLOSED_LOST])
def test_a_closed_deal_cannot_change_stage(closed: Stage) -> None:
    with pytest.raises(Conflict, match="closed"):
        move_stage(closed, Stage.DISCOVERY, AMOUNT)


def test_moving_to_the_current_stage_is_refused() -> None:
    with pytest.raises(Conflict, match="already in discovery"):
        move_stage(Stage.DISCOVERY, Stage.DISCOVERY, None)


def test_an_unknown_stage_name_is_a_rule_violation_naming_the_stages() -> None:
    assert parse_stage("proposal") is Stage.PROPOSAL
    with pytest.raises(RuleViolation, match=r"unknown stage 'demo'.*qualification"):
        parse_stage("demo")


def test_losing_a_deal_records_the_reason_and_competitor() -> None:
    assert close_lost_reason(Stage.PROPOSAL, " no budget ", None) == "no budget"
    assert close_lost_reason(Stage.PROPOSAL, "price", "Acme CRM") == "price (lost to Acme CRM)"


def test_losing_a_deal_needs_a_reason() -> None:
    with pytest.raises(RuleViolation, match="needs a reason"):
        close_lost_reason(Stage.PROPOSAL, "  ", None)


@pytest.mark.parametrize("closed", [Stage.CLOSED_WON, Stage.CLOSED_LOST])
def test_losing_a_closed_deal_is_refused(closed: Stage) -> None:
    with pytest.raises(Conflict, match="already closed"):
        close_lost_reason(closed, "no budget", None)


def test_a_signed_contract_wins_an_open_deal_in_any_stage() -> None:
    assert all(may_close_won(s) for s in PIPELINE if s not in {"closed_won", "closed_lost"})


def test_a_signed_contract_for_a_won_deal_changes_nothing() -> None:
    assert may_close_won(Stage.CLOSED_WON) is False


def test_a_signed_contract_for_a_lost_deal_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="marked lost"):
        may_close_won(Stage.CLOSED_LOST)
