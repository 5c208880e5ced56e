"""The sales pipeline's rules: stages as data, probabilities, cumulative gates, closing."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deal_svc.domain.pipeline import (
    DEFAULT_PIPELINE,
    GATE_FIELDS,
    RENEWAL_PIPELINE,
    DealFacts,
    Pipeline,
    StageDefinition,
    close_lost,
    may_close_won,
    move_stage,
    pipeline_for,
    stage_gate,
    validate_pipeline,
)
from l2c_runtime.errors import Conflict, RuleViolation

AMOUNT = Decimal("1102.50")
PRICED = DealFacts(amount=AMOUNT, expected_close_date=date(2026, 12, 15))
P = DEFAULT_PIPELINE


def test_the_default_pipeline_runs_from_qualification_to_the_two_closed_stages() -> None:
    assert [s.name for s in P.stages] == [
        "qualification",
        "discovery",
        "proposal",
        "negotiation",
        "closed_won",
        "closed_lost",
    ]
    assert P.first_stage.name == "qualification"


@pytest.mark.parametrize(
    ("stage", "probability", "category"),
    [
        ("qualification", 10, "pipeline"),
        ("discovery", 20, "pipeline"),
        ("proposal", 50, "best_case"),
        ("negotiation", 75, "commit"),
        ("closed_won", 100, "closed"),
        ("closed_lost", 0, "omitted"),
    ],
)
def test_each_default_stage_has_its_probability_and_forecast_category(
    stage: str, probability: int, category: str
) -> None:
    assert (P.stage(stage).probability, P.stage(stage).forecast_category) == (
        probability,
        category,
    )


def test_both_shipped_pipelines_are_valid() -> None:
    validate_pipeline(DEFAULT_PIPELINE)
    validate_pipeline(RENEWAL_PIPELINE)


def test_renewals_run_through_their_own_pipeline_and_everything_else_the_default() -> None:
    assert pipeline_for("renewal") == "renewal"
    assert pipeline_for("new_business") == pipeline_for("expansion") == "default"
    assert RENEWAL_PIPELINE.first_stage.probability == 60


def test_a_deal_moves_forward_and_takes_the_stage_probability_and_category() -> None:
    move = move_stage(P, "qualification", "discovery", DealFacts())
    assert (move.from_stage, move.to_stage, move.probability, move.forecast_category) == (
        "qualification",
        "discovery",
        20,
        "pipeline",
    )


def test_the_journey_reaches_proposal_without_amount_or_close_date() -> None:
    assert move_stage(P, "qualification", "discovery", DealFacts()).probability == 20
    assert move_stage(P, "discovery", "proposal", DealFacts()).probability == 50


def test_a_deal_may_move_backwards() -> None:
    assert move_stage(P, "negotiation", "discovery", PRICED).probability == 20


def test_negotiation_without_amount_or_close_date_is_refused_naming_both() -> None:
    gate = stage_gate(P, "negotiation", DealFacts())
    assert not gate.passed
    assert gate.reason == (
        "entering negotiation requires an amount (accept a quote for this deal or set one) "
        "and an expected close date"
    )


def test_negotiation_with_an_amount_but_no_close_date_names_only_the_date() -> None:
    with pytest.raises(Conflict, match=r"requires an expected close date$"):
        move_stage(P, "proposal", "negotiation", DealFacts(amount=AMOUNT))


def test_negotiation_with_amount_and_close_date_is_allowed() -> None:
    assert stage_gate(P, "negotiation", PRICED).passed
    assert move_stage(P, "proposal", "negotiation", PRICED).probability == 75


def test_gates_are_cumulative_a_later_stage_inherits_an_earlier_requirement() -> None:
    stages = list(P.stages)
    stages[2] = dataclasses.replace(stages[2], requires=frozenset({"owner"}))  # proposal
    strict = Pipeline("strict", tuple(stages))
    assert strict.requirements_of(strict.stage("negotiation")) == {
        "owner",
        "amount",
        "expected_close_date",
    }
    assert "an owner" in stage_gate(strict, "negotiation", PRICED).reason
    assert stage_gate(strict, "negotiation", dataclasses.replace(PRICED, owner="grace")).passed
    assert not stage_gate(strict, "proposal", DealFacts()).passed
    assert stage_gate(strict, "discovery", DealFacts()).passed


def test_an_empty_owner_does_not_satisfy_an_owner_gate() -> None:
    assert not DealFacts(owner="").has("owner")


@pytest.mark.parametrize("closed", ["closed_won", "closed_lost"])
def test_moving_to_a_closed_stage_is_refused(closed: str) -> None:
    with pytest.raises(Conflict, match="cannot be set as a stage"):
        move_stage(P, "negotiation", closed, PRICED)


@pytest.mark.parametrize("closed", ["closed_won", "closed_lost"])
def test_a_closed_deal_cannot_change_stage(closed: str) -> None:
    with pytest.raises(Conflict, match="closed"):
        move_stage(P, closed, "discovery", PRICED)


def test_moving_to_the_current_stage_is_refused() -> None:
    with pytest.raises(Conflict, match="already in discovery"):
        move_stage(P, "discovery", "discovery", DealFacts())


def test_an_unknown_stage_name_is_a_rule_violation_naming_the_stages() -> None:
    with pytest.raises(RuleViolation, match=r"unknown stage 'demo'.*qualification, discovery"):
        move_stage(P, "discovery", "demo", DealFacts())


def test_losing_a_deal_records_the_reason_and_competitor_apart() -> None:
    assert close_lost(P, "proposal", " no budget ", None).reason == "no budget"
    loss = close_lost(P, "proposal", "price", " Acme CRM ")
    assert (loss.reason, loss.competitor) == ("price", "Acme CRM")
    assert close_lost(P, "proposal", "price", "  ").competitor is None


def test_losing_a_deal_needs_a_reason() -> None:
    with pytest.raises(RuleViolation, match="needs a reason"):
        close_lost(P, "proposal", "  ", None)


@pytest.mark.parametrize("closed", ["closed_won", "closed_lost"])
def test_losing_a_closed_deal_is_refused(closed: str) -> None:
    with pytest.raises(Conflict, match="already closed"):
        close_lost(P, closed, "no budget", None)


def test_a_signed_contract_wins_an_open_deal_in_any_stage() -> None:
    assert all(may_close_won(P, s.name) for s in P.open_stages)


def test_a_signed_contract_for_a_won_deal_changes_nothing() -> None:
    assert may_close_won(P, "closed_won") is False


def test_a_signed_contract_for_a_lost_deal_is_a_conflict() -> None:
    with pytest.raises(Conflict, match="marked lost"):
        may_close_won(P, "closed_lost")


def _with(index: int, **changes: object) -> Pipeline:
    stages = list(P.stages)
    stages[index] = dataclasses.replace(stages[index], **changes)  # type: ignore[arg-type]
    return Pipeline("custom", tuple(stages))


@pytest.mark.parametrize(
    ("pipeline", "reason"),
    [
        (_with(1, name="qualification"), "names must be unique"),
        (_with(1, position=1), "positions must be unique"),
        (_with(3, outcome="won"), "exactly one won stage"),
        (_with(5, outcome=None), "exactly one lost stage"),
        (_with(4, probability=90), "closed_won must have probability 100"),
        (_with(5, forecast_category="pipeline"), "closed_lost must have probability 0"),
        (_with(0, probability=101), "between 0 and 100"),
        (_with(2, forecast_category="closed"), "cannot count as closed business"),
        (
            Pipeline("closing only", (P.stage("closed_won"), P.stage("closed_lost"))),
            "at least one open stage",
        ),
    ],
)
def test_an_unusable_pipeline_is_refused_with_the_reason(pipeline: Pipeline, reason: str) -> None:
    with pytest.raises(RuleViolation, match=reason):
        validate_pipeline(pipeline)


def test_a_pipeline_with_its_own_stages_and_gates_is_accepted() -> None:
    custom = Pipeline(
        "enterprise",
        (
            StageDefinition("triage", 1, 5, "pipeline"),
            StageDefinition("security_review", 2, 40, "best_case", requires=frozenset({"owner"})),
            StageDefinition("won", 3, 100, "closed", outcome="won"),
            StageDefinition("lost", 4, 0, "omitted", outcome="lost"),
        ),
    )
    validate_pipeline(custom)
    assert custom.closing_stage("won").name == "won"
    assert (
        move_stage(custom, "triage", "security_review", DealFacts(owner="grace")).probability == 40
    )


# --- laws ---------------------------------------------------------------------------------

gate_fields = st.frozensets(st.sampled_from(GATE_FIELDS))
facts = st.builds(
    DealFacts,
    st.one_of(st.none(), st.decimals(min_value=0, max_value=10**6, places=2)),
    st.one_of(st.none(), st.dates()),
    st.one_of(st.none(), st.sampled_from(["", "ada"])),
)


@st.composite
def pipelines(draw: st.DrawFn) -> Pipeline:
    open_count = draw(st.integers(1, 5))
    stages = [
        StageDefinition(
            f"s{n}",
            n,
            draw(st.integers(0, 100)),
            draw(st.sampled_from(["pipeline", "best_case", "commit"])),
            requires=draw(gate_fields),
        )
        for n in range(1, open_count + 1)
    ]
    stages += [
        StageDefinition("won", open_count + 1, 100, "closed", outcome="won"),
        StageDefinition("lost", open_count + 2, 0, "omitted", outcome="lost"),
    ]
    return Pipeline("drawn", tuple(stages))


@given(pipelines(), facts)
def test_a_deal_that_may_enter_a_stage_may_enter_every_earlier_one(
    pipeline: Pipeline, deal: DealFacts
) -> None:
    passed = [stage_gate(pipeline, s.name, deal).passed for s in pipeline.open_stages]
    assert passed == sorted(passed, reverse=True)  # True… then False…


@given(pipelines())
def test_a_deal_with_everything_passes_every_gate(pipeline: Pipeline) -> None:
    complete = DealFacts(Decimal("1.00"), date(2026, 12, 31), "ada")
    validate_pipeline(pipeline)
    assert all(stage_gate(pipeline, s.name, complete).passed for s in pipeline.open_stages)
