"""The sales pipeline: its stages, their win probabilities, forecast categories and gates.

A pipeline is data (stored, editable through the API); `DEFAULT_PIPELINE` is what a fresh
database is seeded with. Pure values and functions. Closing a deal is not a stage move: it
happens when a contract is signed (won) or when sales gives the deal up (lost), each with its
own event and reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, get_args

from l2c_schemas.errors import Conflict, RuleViolation

ForecastCategory = Literal["pipeline", "best_case", "commit", "closed", "omitted"]
"""Where a deal counts in the forecast: `closed` is won business, `omitted` is left out
(lost deals)."""
FORECAST_CATEGORIES: tuple[ForecastCategory, ...] = get_args(ForecastCategory)

GateField = Literal["amount", "expected_close_date", "owner"]
"""What a stage may require of a deal before it enters."""
GATE_FIELDS: tuple[GateField, ...] = get_args(GateField)

_WHAT_IS_MISSING: dict[GateField, str] = {
    "amount": "an amount (accept a quote for this deal or set one)",
    "expected_close_date": "an expected close date",
    "owner": "an owner",
}

Outcome = Literal["won", "lost"]


@dataclass(frozen=True)
class StageDefinition:
    """One stage of a pipeline. `requires` holds the fields a deal must have to enter this
    stage or any later open stage (gates are cumulative along the pipeline)."""

    name: str
    position: int
    probability: int
    forecast_category: ForecastCategory
    outcome: Outcome | None = None
    requires: frozenset[GateField] = frozenset()

    @property
    def is_closed(self) -> bool:
        return self.outcome is not None


@dataclass(frozen=True)
class Pipeline:
    """Stages in the order a deal normally travels through them; exactly one won and one
    lost stage."""

    name: str
    stages: tuple[StageDefinition, ...]

    def stage(self, name: str) -> StageDefinition:
        """The stage called `name`; RuleViolation naming the known stages otherwise."""
        for stage in self.stages:
            if stage.name == name:
                return stage
        known = ", ".join(s.name for s in self.stages)
        raise RuleViolation(f"unknown stage {name!r}; the stages of {self.name} are {known}")

    @property
    def open_stages(self) -> tuple[StageDefinition, ...]:
        return tuple(s for s in self.stages if not s.is_closed)

    @property
    def first_stage(self) -> StageDefinition:
        return self.open_stages[0]

    def closing_stage(self, outcome: Outcome) -> StageDefinition:
        return next(s for s in self.stages if s.outcome == outcome)

    def requirements_of(self, stage: StageDefinition) -> frozenset[GateField]:
        """Everything a deal needs to enter `stage`: its own and every earlier open stage's
        requirements."""
        needed: set[GateField] = set()
        for earlier in self.open_stages:
            if earlier.position <= stage.position:
                needed |= earlier.requires
        return frozenset(needed)


def _stage(
    name: str,
    position: int,
    probability: int,
    category: ForecastCategory,
    outcome: Outcome | None = None,
    requires: frozenset[GateField] = frozenset(),
) -> StageDefinition:
    return StageDefinition(name, position, probability, category, outcome, requires)


DEFAULT_PIPELINE = Pipeline(
    "default",
    (
        _stage("qualification", 1, 10, "pipeline"),
        _stage("discovery", 2, 20, "pipeline"),
        # No amount gate here: the quote is created and accepted while the deal is in proposal.
        _stage("proposal", 3, 50, "best_case"),
        # Negotiating needs a number on the table and a date to commit to.
        _stage(
            "negotiation", 4, 75, "commit", requires=frozenset({"amount", "expected_close_date"})
        ),
        _stage("closed_won", 5, 100, "closed", outcome="won"),
        _stage("closed_lost", 6, 0, "omitted", outcome="lost"),
    ),
)

RENEWAL_PIPELINE = Pipeline(
    "renewal",
    (
        # A customer under contract renews far more often than a new prospect closes.
        _stage("renewal_due", 1, 60, "best_case"),
        _stage(
            "negotiation", 2, 80, "commit", requires=frozenset({"amount", "expected_close_date"})
        ),
        _stage("closed_won", 3, 100, "closed", outcome="won"),
        _stage("closed_lost", 4, 0, "omitted", outcome="lost"),
    ),
)

OpportunityKind = Literal["new_business", "expansion", "renewal"]


def pipeline_for(kind: OpportunityKind) -> str:
    """The pipeline a new deal of this kind runs through: renewals have their own."""
    return RENEWAL_PIPELINE.name if kind == "renewal" else DEFAULT_PIPELINE.name


def validate_pipeline(pipeline: Pipeline) -> None:
    """RuleViolation with the reason unless the pipeline is usable: unique stage names and
    positions, at least one open stage, exactly one won stage (100 %, closed) and one lost
    stage (0 %, omitted), open stages neither closed nor omitted-at-100 %, probabilities 0-100."""
    names = [s.name for s in pipeline.stages]
    if len(set(names)) != len(names):
        raise RuleViolation(f"stage names must be unique in a pipeline: {names}")
    positions = [s.position for s in pipeline.stages]
    if len(set(positions)) != len(positions):
        raise RuleViolation(f"stage positions must be unique in a pipeline: {positions}")
    if not pipeline.open_stages:
        raise RuleViolation("a pipeline needs at least one open stage")
    for outcome, probability, category in (("won", 100, "closed"), ("lost", 0, "omitted")):
        closing = [s for s in pipeline.stages if s.outcome == outcome]
        if len(closing) != 1:
            raise RuleViolation(f"a pipeline needs exactly one {outcome} stage")
        if (closing[0].probability, closing[0].forecast_category) != (probability, category):
            raise RuleViolation(
                f"the {outcome} stage {closing[0].name} must have probability {probability} "
                f"and forecast category {category}"
            )
    for stage in pipeline.stages:
        if not 0 <= stage.probability <= 100:
            raise RuleViolation(f"probability of {stage.name} must be between 0 and 100")
        if not stage.is_closed and stage.forecast_category == "closed":
            raise RuleViolation(f"open stage {stage.name} cannot count as closed business")


@dataclass(frozen=True)
class DealFacts:
    """What the gates look at."""

    amount: Decimal | None = None
    expected_close_date: date | None = None
    owner: str | None = None

    def has(self, field: GateField) -> bool:
        value = getattr(self, field)
        return value is not None and value != ""


@dataclass(frozen=True)
class GateDecision:
    passed: bool
    reason: str = ""


@dataclass(frozen=True)
class StageMove:
    from_stage: str
    to_stage: str
    probability: int
    forecast_category: ForecastCategory


def stage_gate(pipeline: Pipeline, to_stage: str, facts: DealFacts) -> GateDecision:
    """May a deal with these `facts` enter `to_stage`? The reason names what is missing."""
    target = pipeline.stage(to_stage)
    missing = [f for f in GATE_FIELDS if f in pipeline.requirements_of(target) and not facts.has(f)]
    if missing:
        needs = " and ".join(_WHAT_IS_MISSING[f] for f in missing)
        return GateDecision(False, f"entering {target.name} requires {needs}")
    return GateDecision(True)


def move_stage(pipeline: Pipeline, current: str, target: str, facts: DealFacts) -> StageMove:
    """Plan a move between open stages, forwards or backwards. Raises Conflict with the
    reason when the move is not allowed."""
    now_in = pipeline.stage(current)
    going_to = pipeline.stage(target)
    if now_in.is_closed:
        raise Conflict(f"the deal is closed ({current}); its stage can no longer change")
    if going_to.is_closed:
        raise Conflict(
            f"{target} cannot be set as a stage: a deal is won when its contract is signed "
            "and lost through close-lost"
        )
    if target == current:
        raise Conflict(f"the deal is already in {current}")
    gate = stage_gate(pipeline, target, facts)
    if not gate.passed:
        raise Conflict(gate.reason)
    return StageMove(current, target, going_to.probability, going_to.forecast_category)


@dataclass(frozen=True)
class LossRecord:
    reason: str
    competitor: str | None


def close_lost(pipeline: Pipeline, current: str, reason: str, competitor: str | None) -> LossRecord:
    """The recorded reason (and competitor, if known) of giving up a deal in `current`;
    Conflict if it is already closed, RuleViolation if no reason is given (loss reasons feed
    the win/loss analysis)."""
    if pipeline.stage(current).is_closed:
        raise Conflict(f"the deal is already closed ({current})")
    reason = reason.strip()
    if not reason:
        raise RuleViolation("a lost deal needs a reason")
    return LossRecord(reason, (competitor or "").strip() or None)


def may_close_won(pipeline: Pipeline, current: str) -> bool:
    """A signed contract wins an open deal; False when it is already won (a replay).
    Conflict when the deal was marked lost: someone has to look at that."""
    stage = pipeline.stage(current)
    if stage.outcome == "lost":
        raise Conflict("a contract was signed for a deal marked lost")
    return stage.outcome != "won"
