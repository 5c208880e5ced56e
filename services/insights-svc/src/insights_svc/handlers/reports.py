"""What the metrics API and the dashboard answer: one computation for both, so a page shows
exactly the API's numbers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from insights_svc.adapters import facts
from insights_svc.domain import metrics, quality
from insights_svc.domain.facts import Fact
from insights_svc.domain.journey import Milestones, milestones, select
from insights_svc.domain.receivables import dso
from l2c_runtime.errors import NotFound, RuleViolation

Sessions = async_sessionmaker[AsyncSession]
FUNNEL = "funnel"
DSO = "dso"
INVOICE_ACCURACY = "invoice_accuracy"
DISCOUNT_COMPLIANCE = "discount_compliance"
DOCUMENT_METRICS: dict[
    str, tuple[Callable[..., dict[str, dict[str, object]]], frozenset[str], str]
] = {
    INVOICE_ACCURACY: (
        quality.invoice_accuracy,
        quality.INVOICE_STAGES,
        "invoices issued in the period with no dispute, void or credit note against them "
        "within 30 days of their issue",
    ),
    DISCOUNT_COMPLIANCE: (
        quality.discount_compliance,
        quality.QUOTE_STAGES,
        "quote versions accepted in the period whose discounts needed no approval or were "
        "approved by the whole approval chain before the acceptance",
    ),
}
"""Rates of single documents (invoices, quotes) rather than of journeys."""
SPECIAL = (FUNNEL, DSO, *DOCUMENT_METRICS)
MAX_STAGES = 2000
"""The most events one journey shows (a long-lived account's renewals and invoices)."""


def known_metric(name: str) -> None:
    if name not in SPECIAL and name not in metrics.DEFINITIONS:
        known = ", ".join([*sorted(metrics.DEFINITIONS), *SPECIAL])
        raise NotFound(f"no metric {name!r}; known: {known}")


def check_period(start: datetime | None, end: datetime | None) -> None:
    if start is not None and end is not None and start >= end:
        raise RuleViolation("from must be before to")


async def journeys_in(
    sessions: Sessions,
    start: datetime | None,
    end: datetime | None,
    account_id: UUID | None = None,
) -> list[Milestones]:
    """The milestones of every journey with an event in [start, end)."""
    check_period(start, end)
    async with sessions() as session:
        try:
            return await facts.journey_milestones(session, start, end, account_id)
        except facts.TooManyJourneys as exc:
            raise RuleViolation(str(exc)) from exc


def metric_of(
    name: str,
    journeys: list[Milestones],
    start: datetime | None,
    end: datetime | None,
    by: metrics.Group | None,
) -> dict[str, Any]:
    """A journey metric (not `dso`) over journeys already read, as the API answers it."""
    period = {"from": start, "to": end}
    if name == FUNNEL:
        answer: dict[str, Any] = {
            "metric": name,
            **period,
            "stages": metrics.funnel(journeys, start, end),
        }
        if by is not None:
            answer |= {"by": by, "groups": metrics.funnel_by(journeys, start, end, by)}
        return answer
    definition = metrics.DEFINITIONS[name]
    kind = "duration" if isinstance(definition, metrics.Duration) else "rate"
    return {
        "metric": name,
        "kind": kind,
        "definition": definition.description,
        **period,
        "by": by,
        "groups": metrics.compute(name, journeys, start, end, by),
    }


async def dso_of(
    sessions: Sessions, start: datetime | None, end: datetime | None
) -> dict[str, Any]:
    if start is None or end is None or start >= end:
        raise RuleViolation("dso needs a period: from before to")
    async with sessions() as session:
        try:
            invoices = await facts.invoice_facts(session, end)
        except facts.TooManyJourneys as exc:
            raise RuleViolation(str(exc)) from exc
    groups = dso(invoices, start, end)
    return {"metric": DSO, "from": start, "to": end, "by": "currency", "groups": groups}


async def metric(
    sessions: Sessions,
    name: str,
    start: datetime | None,
    end: datetime | None,
    by: metrics.Group | None = None,
) -> dict[str, Any]:
    """One metric over [start, end), grouped by `by`: the answer of `GET /metrics/{name}`."""
    known_metric(name)
    if name == DSO:
        return await dso_of(sessions, start, end)
    if name in DOCUMENT_METRICS:
        return await document_metric(sessions, name, start, end, by)
    return metric_of(name, await journeys_in(sessions, start, end), start, end, by)


async def document_metric(
    sessions: Sessions,
    name: str,
    start: datetime | None,
    end: datetime | None,
    by: metrics.Group | None = None,
) -> dict[str, Any]:
    """`invoice_accuracy` or `discount_compliance` over [start, end): grouped by the
    document's currency, or by its journey's owner, team, segment, source, campaign or cohort
    (the journeys with an event in the period: every document of the period is one)."""
    check_period(start, end)
    compute, stages, description = DOCUMENT_METRICS[name]
    key_of: quality.KeyOf | None = None
    if by is not None and by != "currency":
        group: metrics.Group = by
        journeys = {m.lead_id: m for m in await journeys_in(sessions, start, end)}

        def key_of(fact: Fact) -> str:
            found = journeys.get(fact.lead_id)
            return metrics.group_key(found, group) if found else metrics.NO_GROUP

    # what spoils an invoice may come up to the window after the period's end
    until = (end + quality.DEFAULT_WINDOW) if end is not None else datetime.max.replace(tzinfo=UTC)
    async with sessions() as session:
        try:
            found = await facts.invoice_facts(session, until, stages)
        except facts.TooManyJourneys as exc:
            raise RuleViolation(str(exc)) from exc
    return {
        "metric": name,
        "kind": "rate",
        "definition": description,
        "from": start,
        "to": end,
        "by": by,
        "groups": compute(found, start, end, by == "currency", key_of=key_of),
    }


async def journey(sessions: Sessions, lead_id: UUID) -> tuple[Milestones, list[Fact], bool]:
    """A lead's milestones, its first `MAX_STAGES` facts in order, and whether there are more."""
    async with sessions() as session:
        found = await facts.facts_of_lead(session, lead_id, MAX_STAGES + 1)
    if not found:
        raise NotFound(f"no journey for lead {lead_id}")
    shown = found[:MAX_STAGES]
    return milestones(lead_id, shown), shown, len(found) > MAX_STAGES


async def journey_list(
    sessions: Sessions,
    start: datetime | None,
    end: datetime | None,
    account_id: UUID | None,
    owner: str | None,
    status: str | None,
) -> list[Milestones]:
    """The journeys with an event in [start, end), filtered, newest capture first."""
    found = await journeys_in(sessions, start, end, account_id)
    return select(found, owner=owner, status=status)
