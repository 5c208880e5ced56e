"""The sales pipeline: its stages, their win probabilities and the rules for moving a deal.

Pure values and functions. Closing a deal is not a stage move: it happens when a contract is
signed (won) or when sales gives the deal up (lost), each with its own event and reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from l2c_runtime.errors import Conflict, RuleViolation


class Stage(StrEnum):
    QUALIFICATION = "qualification"
    DISCOVERY = "discovery"
    PROPOSAL = "proposal"
    NEGOTIATION = "negotiation"
    CLOSED_WON = "closed_won"
    CLOSED_LOST = "closed_lost"


PIPELINE: tuple[Stage, ...] = tuple(Stage)
"""The stages in the order a deal normally travels through them."""

DEFAULT_PROBABILITY: dict[Stage, int] = {
    Stage.QUALIFICATION: 10,
    Stage.DISCOVERY: 20,
    Stage.PROPOSAL: 50,
    Stage.NEGOTIATION: 75,
    Stage.CLOSED_WON: 100,
    Stage.CLOSED_LOST: 0,
}

CLOSED_STAGES = frozenset({Stage.CLOSED_WON, Stage.CLOSED_LOST})
FIRST_STAGE = Stage.QUALIFICATION
AMOUNT_REQUIRED_FROM = Stage.NEGOTIATION
"""Negotiating needs a number on the table: the net total of an accepted quote."""


@dataclass(frozen=True)
class GateDecision:
    passed: bool
    reason: str = ""


@dataclass(frozen=True)
class StageMove:
    from_stage: Stage
    to_stage: Stage
    probability: int


def parse_stage(name: str) -> Stage:
    """The stage called `name`; RuleViolation naming the known stages otherwise."""
    try:
        return Stage(name)
    except ValueError:
        known = ", ".join(PIPELINE)
        raise RuleViolation(f"unknown stage {name!r}; the stages are {known}") from None


def probability_of(stage: Stage) -> int:
    """Default win probability (percent) of a deal in `stage`."""
    return DEFAULT_PROBABILITY[stage]


def stage_gate(to_stage: Stage, amount: Decimal | None) -> GateDecision:
    """May a deal with this `amount` (None: no accepted quote yet) enter `to_stage`?"""
    if PIPELINE.index(to_stage) >= PIPELINE.index(AMOUNT_REQUIRED_FROM) and amount is None:
        return GateDecision(
            False, f"entering {to_stage} requires an amount: accept a quote for this deal first"
        )
    return GateDecision(True)


def move_stage(current: Stage, target: Stage, amount: Decimal | None) -> StageMove:
    """Plan a move between open stages, forwards or backwards. Raises Conflict with the
    reason when the move is not allowed."""
    if current in CLOSED_STAGES:
        raise Conflict(f"the deal is closed ({current}); its stage can no longer change")
    if target in CLOSED_STAGES:
        raise Conflict(
            f"{target} cannot be set as a stage: a deal is won when its contract is signed "
            "and lost through close-lost"
        )
    if target == current:
        raise Conflict(f"the deal is already in {current}")
    gate = stage_gate(target, amount)
    if not gate.passed:
        raise Conflict(gate.reason)
    return StageMove(current, target, probability_of(target))


def close_lost_reason(current: Stage, reason: str, competitor: str | None = None) -> str:
    """The recorded reason of giving up a deal in `current`; Conflict if it is already
    closed, RuleViolation if no reason is given (loss reasons feed the win/loss analysis)."""
    if current in CLOSED_STAGES:
        raise Conflict(f"the deal is already closed ({current})")
    reason = reason.strip()
    if not reason:
        raise RuleViolation("a lost deal needs a reason")
    competitor = (competitor or "").strip()
    return f"{reason} (lost to {competitor})" if competitor else reason


def may_close_won(current: Stage) -> bool:
    """A signed contract wins an open deal; True also when it is already won (a replay).
    Conflict when the deal was marked lost: someone has to look at that."""
    if current == Stage.CLOSED_LOST:
        raise Conflict("a contract was signed for a deal marked lost")
    return current != Stage.CLOSED_WON
