"""lead-svc's HTTP API for rules as data: scoring rule sets and qualification gates
(versioned), routing rules and the sales teams' reps."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field, model_validator

from l2c_runtime.audit import record_action
from l2c_runtime.auth import require
from l2c_runtime.http.params import CodePath, NamePath, PageDep
from l2c_runtime.service import Runtime, runtime_of
from l2c_schemas.lead import MAX_EMPLOYEES
from l2c_schemas.text import MAX_LIST_ITEMS, BoundedModel
from lead_svc.domain.scoring import ACTIVITY_KINDS, FIT_ATTRIBUTES
from lead_svc.handlers import configuration

router = APIRouter(tags=["rules"])
RuntimeDep = Annotated[Runtime, Depends(runtime_of)]


class FitRuleModel(BoundedModel):
    label: str = Field(min_length=1, max_length=200)
    attribute: str = Field(max_length=64)
    points: int = Field(ge=-100, le=100)
    min: int | None = Field(default=None, ge=0, le=MAX_EMPLOYEES)
    max: int | None = Field(default=None, ge=0, le=MAX_EMPLOYEES)
    any_of: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=MAX_LIST_ITEMS
    )
    keywords: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=MAX_LIST_ITEMS
    )

    @model_validator(mode="after")
    def _sound(self) -> FitRuleModel:
        if self.attribute not in FIT_ATTRIBUTES:
            raise ValueError(f"attribute must be one of {', '.join(FIT_ATTRIBUTES)}")
        if (self.min is not None or self.max is not None) and self.attribute != "employees":
            raise ValueError("min/max apply to employees only")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not exceed max")
        if self.min is None and self.max is None and not self.any_of and not self.keywords:
            raise ValueError("a rule needs min/max, any_of or keywords")
        return self


class IntentRuleModel(BoundedModel):
    kind: str = Field(max_length=64)
    points: int = Field(ge=0, le=100)
    max_points: int | None = Field(default=None, ge=0, le=1000)

    @model_validator(mode="after")
    def _known_kind(self) -> IntentRuleModel:
        if self.kind not in ACTIVITY_KINDS:
            raise ValueError(f"kind must be one of {', '.join(ACTIVITY_KINDS)}")
        return self


class GatesModel(BoundedModel):
    """What makes a lead marketing-qualified (MQL) and sales-qualified (SQL)."""

    mql_min_score: int = Field(default=30, ge=0, le=10_000)
    sql_min_score: int = Field(default=50, ge=0, le=10_000)
    sql_min_fit: int = Field(default=30, ge=0, le=10_000)

    @model_validator(mode="after")
    def _ordered(self) -> GatesModel:
        if self.sql_min_score < self.mql_min_score:
            raise ValueError("the SQL gate cannot be below the MQL gate")
        return self


class RuleSetModel(BoundedModel):
    fit: list[FitRuleModel] = Field(max_length=100)
    intent: list[IntentRuleModel] = Field(max_length=100)
    half_life_days: int = Field(default=14, ge=1, le=365)
    gates: GatesModel = Field(default_factory=GatesModel)
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _one_rule_per_kind(self) -> RuleSetModel:
        kinds = [rule.kind for rule in self.intent]
        if len(kinds) != len(set(kinds)):
            raise ValueError("one intent rule per activity kind")
        return self


class RuleSetView(BaseModel):
    version: int
    active: bool
    note: str | None
    created_at: datetime
    rules: dict[str, Any]


def _rule_set_view(row: dict[str, Any]) -> RuleSetView:
    return RuleSetView(
        version=row["version"],
        active=row["active"],
        note=row["note"],
        created_at=row["created_at"],
        rules=row["document"],
    )


@router.get("/scoring-rules", response_model=RuleSetView, dependencies=[require("lead-rules:read")])
async def active_scoring_rules(runtime: RuntimeDep) -> RuleSetView:
    """The active rule set: fit rules, intent rules with their decay, and the gates."""
    async with runtime.unit_of_work() as uow:
        return _rule_set_view(await configuration.current_rule_set(uow))


@router.get(
    "/scoring-rules/versions",
    response_model=list[RuleSetView],
    dependencies=[require("lead-rules:read")],
)
async def scoring_rule_versions(runtime: RuntimeDep, page: PageDep) -> list[RuleSetView]:
    """Every version of the rules, oldest first."""
    async with runtime.unit_of_work() as uow:
        rows = await configuration.rule_set_versions(uow, page.limit, page.offset)
    return [_rule_set_view(row) for row in rows]


@router.put(
    "/scoring-rules",
    response_model=RuleSetView,
    status_code=status.HTTP_201_CREATED,
    dependencies=[require("lead-rules:write")],
)
async def replace_scoring_rules(body: RuleSetModel, runtime: RuntimeDep) -> RuleSetView:
    """Publish a new version of the rules; it scores every lead from the next change on."""
    document = body.model_dump(exclude={"note"})
    async with runtime.unit_of_work() as uow:
        before = await configuration.current_rule_set(uow)
        await configuration.publish_rule_set(document, body.note, uow)
        after = await configuration.current_rule_set(uow)
        await record_action(uow, "scoring_rules.publish", "rule_set", after["version"], {
            "before_version": before["version"], "before": before["document"],
            "after": after["document"], "note": body.note,
        })  # fmt: skip
        return _rule_set_view(after)


@router.get(
    "/qualification-gates", response_model=GatesModel, dependencies=[require("lead-rules:read")]
)
async def qualification_gates(runtime: RuntimeDep) -> GatesModel:
    async with runtime.unit_of_work() as uow:
        row = await configuration.current_rule_set(uow)
    return GatesModel(**row["document"].get("gates", {}))


@router.put(
    "/qualification-gates",
    response_model=RuleSetView,
    status_code=201,
    dependencies=[require("lead-rules:write")],
)
async def replace_qualification_gates(body: GatesModel, runtime: RuntimeDep) -> RuleSetView:
    """New gates: a new version of the rule set with the same scoring rules."""
    async with runtime.unit_of_work() as uow:
        current = await configuration.current_rule_set(uow)
        document = {**current["document"], "gates": body.model_dump()}
        await configuration.publish_rule_set(document, "gates changed", uow)
        after = await configuration.current_rule_set(uow)
        await record_action(uow, "qualification_gates.publish", "rule_set", after["version"], {
            "before": current["document"].get("gates"), "after": body.model_dump(),
        })  # fmt: skip
        return _rule_set_view(after)


class RoutingRuleModel(BoundedModel):
    """Leads matching every non-empty criterion go to `team`; lowest priority first."""

    priority: int = Field(default=100, ge=0, le=1_000_000)
    team: str = Field(min_length=1, max_length=100)
    countries: list[Annotated[str, Field(pattern="^[A-Z]{2}$")]] = Field(
        default_factory=list, max_length=300
    )
    regions: list[Literal["EMEA", "NA", "LATAM", "APAC"]] = Field(
        default_factory=list, max_length=4
    )
    segments: list[Literal["smb", "mid_market", "enterprise"]] = Field(
        default_factory=list, max_length=3
    )
    product_interests: list[Annotated[str, Field(max_length=100)]] = Field(
        default_factory=list, max_length=100
    )
    sla_minutes: int = Field(default=120, gt=0, le=60 * 24 * 30)
    breach_policy: Literal["escalate", "reassign"] = "escalate"
    escalate_to: str | None = Field(default=None, max_length=200)


class RoutingRuleView(RoutingRuleModel):
    name: str


@router.get(
    "/routing-rules",
    response_model=list[RoutingRuleView],
    dependencies=[require("lead-rules:read")],
)
async def routing_rules(runtime: RuntimeDep, page: PageDep) -> list[RoutingRuleView]:
    """The routing rules in the order they are tried (a handful: paged here)."""
    async with runtime.unit_of_work() as uow:
        rows = await configuration.list_routing_rules(uow)
    return [RoutingRuleView(**row) for row in page.of(rows)]


@router.put(
    "/routing-rules/{name}",
    response_model=RoutingRuleView,
    dependencies=[require("lead-rules:write")],
)
async def put_routing_rule(
    name: CodePath, body: RoutingRuleModel, runtime: RuntimeDep
) -> RoutingRuleView:
    async with runtime.unit_of_work() as uow:
        await configuration.put_routing_rule({"name": name, **body.model_dump()}, uow)
        await record_action(uow, "routing_rule.put", "routing_rule", name, body.model_dump())
    return RoutingRuleView(name=name, **body.model_dump())


@router.delete(
    "/routing-rules/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[require("lead-rules:write")],
)
async def delete_routing_rule(name: CodePath, runtime: RuntimeDep) -> None:
    async with runtime.unit_of_work() as uow:
        await configuration.delete_routing_rule(name, uow)
        await record_action(uow, "routing_rule.delete", "routing_rule", name)


class RepModel(BoundedModel):
    capacity: int = Field(default=1, ge=0, le=1000)
    """Relative share of new leads (0 pauses the rep)."""
    active: bool = True


class RepView(RepModel):
    rep_id: str
    team: str


@router.get(
    "/teams/{team}/reps", response_model=list[RepView], dependencies=[require("lead-rules:read")]
)
async def team_reps(team: CodePath, runtime: RuntimeDep, page: PageDep) -> list[RepView]:
    """A team's reps (a team's size: paged here)."""
    async with runtime.unit_of_work() as uow:
        rows = await configuration.team_reps(team, uow)
    return [
        RepView(rep_id=r["rep_id"], team=r["team"], capacity=r["capacity"], active=r["active"])
        for r in page.of(rows)
    ]


@router.put(
    "/teams/{team}/reps/{rep_id}",
    response_model=RepView,
    dependencies=[require("lead-rules:write")],
)
async def put_rep(team: CodePath, rep_id: NamePath, body: RepModel, runtime: RuntimeDep) -> RepView:
    async with runtime.unit_of_work() as uow:
        await configuration.put_rep(team, rep_id, body.capacity, body.active, uow)
        await record_action(uow, "team_rep.put", "rep", rep_id, {"team": team, **body.model_dump()})
    return RepView(rep_id=rep_id, team=team, **body.model_dump())
