"""Lead scoring: fit (who they are) plus intent (what they did, fading with time).

Rules are data (`ScoringRules`, versioned and edited through the API); these functions only
apply them. Every score is a list of (rule, points) items and its total is their sum, so a
score always explains itself. Pure functions of values: the time is an argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from typing import Any, Literal

from lead_svc.domain.identity import is_free_mail

FitAttribute = Literal["employees", "industry", "country", "title", "source", "email_type"]
FIT_ATTRIBUTES: tuple[str, ...] = FitAttribute.__args__  # type: ignore[attr-defined]
ACTIVITY_KINDS = (
    "page_view",
    "content_download",
    "webinar_attended",
    "email_click",
    "pricing_page_visit",
)
_PRECISION = Decimal("0.0001")


@dataclass(frozen=True)
class Prospect:
    email: str
    company: str
    country: str | None = None
    employees: int | None = None
    title: str | None = None
    source: str = "unknown"
    industry: str | None = None


@dataclass(frozen=True)
class Activity:
    kind: str
    occurred_at: datetime


@dataclass(frozen=True)
class FitRule:
    """Points a lead gets when one attribute matches: a numeric range (`min`..`max`,
    both inclusive, for employees), one of some values (`any_of`, case-insensitive), or a
    whole keyword in the text (`keywords`, for titles). `email_type` is business/free_mail."""

    label: str
    attribute: str
    points: int
    min: int | None = None
    max: int | None = None
    any_of: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class IntentRule:
    """Points per engagement of one kind at full strength, capped per kind (after decay)."""

    kind: str
    points: int
    max_points: int | None = None


@dataclass(frozen=True)
class ScoringRules:
    fit: tuple[FitRule, ...]
    intent: tuple[IntentRule, ...]
    half_life_days: int = 14
    version: int = 0


@dataclass(frozen=True)
class ScoreItem:
    rule: str
    points: int
    kind: str = "fit"


@dataclass(frozen=True)
class Score:
    items: tuple[ScoreItem, ...]
    rule_set_version: int = 0
    engagement: dict[str, int] = field(default_factory=dict)

    @cached_property
    def total(self) -> int:
        return self.fit + self.intent

    @cached_property
    def fit(self) -> int:
        return sum(item.points for item in self.items if item.kind == "fit")

    @cached_property
    def intent(self) -> int:
        return sum(item.points for item in self.items if item.kind == "intent")

    @property
    def reasons(self) -> list[str]:
        return [f"{item.rule} ({item.points:+d})" for item in self.items]


def _attribute(prospect: Prospect, attribute: str) -> str | int | None:
    if attribute == "email_type":
        return "free_mail" if is_free_mail(prospect.email) else "business"
    value: str | int | None = getattr(prospect, attribute)
    return value


def fit_rule_applies(rule: FitRule, prospect: Prospect) -> bool:
    """Whether the prospect's attribute satisfies every condition the rule sets."""
    value = _attribute(prospect, rule.attribute)
    if value is None:
        return False
    if rule.min is not None or rule.max is not None:
        if not isinstance(value, int):
            return False
        if (rule.min is not None and value < rule.min) or (
            rule.max is not None and value > rule.max
        ):
            return False
    text = str(value).lower()
    if rule.any_of and text not in _lowered(rule.any_of):
        return False
    return not rule.keywords or _whole_words(rule.keywords).search(text) is not None


@lru_cache(maxsize=1024)
def _lowered(values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(v.lower() for v in values)


@lru_cache(maxsize=1024)
def _whole_words(keywords: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for a rule's keywords (compiled once per rule, not once per lead)."""
    return re.compile("|".join(rf"\b{re.escape(word.lower())}\b" for word in keywords))


def decayed_points(points: int, age_days: Decimal, half_life_days: int) -> Decimal:
    """`points` halved every `half_life_days` of age, to 4 decimals. A signal from the
    future (clock skew) counts as brand new."""
    age = max(age_days, Decimal(0))
    factor = Decimal(0.5 ** float(age / Decimal(half_life_days)))
    return (points * factor).quantize(_PRECISION, rounding=ROUND_HALF_UP)


def intent_items(
    activities: Iterable[Activity], rules: ScoringRules, now: datetime
) -> list[ScoreItem]:
    """One item per kind of engagement: the sum of its decayed points, capped, rounded
    half-up. Sums of 4-decimal values are exact, so the order of events never matters."""
    by_kind = {rule.kind: rule for rule in rules.intent}
    sums: dict[str, Decimal] = {}
    for activity in activities:
        rule = by_kind.get(activity.kind)
        if rule is None:
            continue
        age = Decimal((now - activity.occurred_at).total_seconds()) / Decimal(86400)
        points = decayed_points(rule.points, age, rules.half_life_days)
        sums[activity.kind] = sums.get(activity.kind, Decimal(0)) + points
    items = []
    for kind in sorted(sums):
        cap = by_kind[kind].max_points
        total = sums[kind] if cap is None else min(sums[kind], Decimal(cap))
        rounded = int(total.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if rounded:
            items.append(ScoreItem(f"engagement: {kind.replace('_', ' ')}", rounded, "intent"))
    return items


def score_lead(
    prospect: Prospect,
    activities: Iterable[Activity],
    rules: ScoringRules,
    now: datetime,
) -> Score:
    """Fit items of every rule that applies, in rule order, then intent items by kind."""
    activities = list(activities)
    items = [
        ScoreItem(rule.label, rule.points) for rule in rules.fit if fit_rule_applies(rule, prospect)
    ]
    items += intent_items(activities, rules, now)
    engagement: dict[str, int] = {}
    for activity in activities:
        engagement[activity.kind] = engagement.get(activity.kind, 0) + 1
    return Score(tuple(items), rules.version, dict(sorted(engagement.items())))


SENIOR_TITLE_WORDS = (
    "chief",
    "ceo",
    "cfo",
    "cto",
    "coo",
    "vp",
    "vice president",
    "head",
    "director",
)

DEFAULT_RULES = ScoringRules(
    fit=(
        FitRule("enterprise company (1000+ employees)", "employees", 40, min=1000),
        FitRule("mid-market company (200-999 employees)", "employees", 30, min=200, max=999),
        FitRule("small business (20-199 employees)", "employees", 15, min=20, max=199),
        FitRule("senior decision maker", "title", 20, keywords=SENIOR_TITLE_WORDS),
        FitRule("business e-mail domain", "email_type", 10, any_of=("business",)),
        FitRule(
            "high-intent source",
            "source",
            20,
            any_of=("demo_request", "referral", "contact_sales"),
        ),
    ),
    intent=(
        IntentRule("page_view", 2, 10),
        IntentRule("content_download", 8, 24),
        IntentRule("webinar_attended", 15, 30),
        IntentRule("email_click", 3, 12),
        IntentRule("pricing_page_visit", 10, 20),
    ),
    half_life_days=14,
)
"""The rule set of a fresh install (version 1): a demo request by a VP of a 450-person
company at a business address scores 30 + 20 + 10 + 20 = 80."""


def rules_to_document(rules: ScoringRules) -> dict[str, Any]:
    """The JSON document a rule set is stored and shown as (without its version)."""
    return {
        "fit": [
            {k: list(v) if isinstance(v, tuple) else v for k, v in vars(rule).items()}
            for rule in rules.fit
        ],
        "intent": [dict(vars(rule)) for rule in rules.intent],
        "half_life_days": rules.half_life_days,
    }


def rules_from_document(document: dict[str, Any], version: int = 0) -> ScoringRules:
    fit = tuple(
        FitRule(
            label=r["label"],
            attribute=r["attribute"],
            points=int(r["points"]),
            min=r.get("min"),
            max=r.get("max"),
            any_of=tuple(r.get("any_of") or ()),
            keywords=tuple(r.get("keywords") or ()),
        )
        for r in document["fit"]
    )
    intent = tuple(
        IntentRule(r["kind"], int(r["points"]), r.get("max_points")) for r in document["intent"]
    )
    return ScoringRules(fit, intent, int(document.get("half_life_days", 14)), version)
