"""Routing to a team and a rep, reassignment, first contact and its SLA."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa

from l2c_runtime.errors import Conflict, NotFound
from l2c_runtime.telemetry import journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.lead import LeadAssigned, LeadContacted, LeadSlaBreached
from lead_svc.adapters.bulk_writes import pending_writes
from lead_svc.adapters.lead_store import (
    History,
    Lead,
    changes_between,
    emit,
    load_lead,
    save_lead,
    transaction_cache,
)
from lead_svc.adapters.tables import leads, routing_rules, sales_reps
from lead_svc.domain.routing import (
    LeadFacts,
    Rep,
    RoutingRule,
    choose_rule,
    first_contact_due,
    next_in_rotation,
)

FALLBACK_RULE = RoutingRule(name="fallback", team="inbound", priority=10_000)
"""Used when no configured rule matches, so that every lead has a team and an SLA."""


async def routing_rule_set(uow: UnitOfWork) -> list[RoutingRule]:
    cache = transaction_cache(uow)
    if "routing_rules" not in cache:
        cache["routing_rules"] = await _load_routing_rules(uow)
    rules: list[RoutingRule] = cache["routing_rules"]
    return rules


async def _load_routing_rules(uow: UnitOfWork) -> list[RoutingRule]:
    rows = await uow.session.execute(sa.select(routing_rules))
    return [
        RoutingRule(
            name=r.name,
            team=r.team,
            priority=r.priority,
            countries=frozenset(r.countries),
            regions=frozenset(r.regions),
            segments=frozenset(r.segments),
            product_interests=frozenset(r.product_interests),
            sla_minutes=r.sla_minutes,
            breach_policy=r.breach_policy,
            escalate_to=r.escalate_to,
        )
        for r in rows
    ]


async def _rule_named(uow: UnitOfWork, name: str | None) -> RoutingRule:
    for rule in await routing_rule_set(uow):
        if rule.name == name:
            return rule
    return FALLBACK_RULE


async def _next_rep(uow: UnitOfWork, team: str, exclude: str | None) -> str | None:
    """Take the team's next rep in the weighted rotation. The team's reps are read and locked
    once per transaction; the rotation's new state is written when it commits."""
    cache = transaction_cache(uow)
    rotations: dict[str, list[Rep]] = cache.setdefault("rotations", {})
    if team not in rotations:
        rows = await uow.session.execute(
            sa.select(sales_reps.c.rep_id, sales_reps.c.capacity, sales_reps.c.credit)
            .where(sales_reps.c.team == team, sales_reps.c.active)
            .order_by(sales_reps.c.rep_id)
            .with_for_update()
        )
        rotations[team] = [Rep(r.rep_id, r.capacity, r.credit) for r in rows]
    rotation = next_in_rotation(rotations[team], exclude=exclude)
    if rotation is None:
        return None
    credits = pending_writes(uow, cache).rep_credits
    for old, new in zip(rotations[team], rotation.reps, strict=True):
        if old != new:
            credits[new.rep_id] = new.credit
    rotations[team] = list(rotation.reps)
    return rotation.chosen


async def route(
    lead: Lead,
    uow: UnitOfWork,
    history: History,
    *,
    reason: str,
    rule: RoutingRule | None = None,
    owner_id: str | None = None,
    exclude: str | None = None,
) -> None:
    """Give the lead a team (first matching routing rule), an owner (the team's rotation,
    unless one is named) and a first-contact deadline; emit LeadAssigned."""
    if rule is None:
        facts = LeadFacts(lead["country"], lead["employees"], lead["product_interest"])
        rule = choose_rule(await routing_rule_set(uow), facts) or FALLBACK_RULE
    if owner_id is None:
        owner_id = await _next_rep(uow, rule.team, exclude)
    now = uow.clock.now()
    due = first_contact_due(now, rule) if lead["contacted_at"] is None else None
    before = dict(lead)
    lead.update(
        team=rule.team,
        owner_id=owner_id,
        routing_rule=rule.name,
        assigned_at=now,
        first_contact_due_at=due,
        sla_breached_at=None,
    )
    history.add("assigned", changes_between(before, lead), rule=rule.name, reason=reason, due=due)
    await emit(
        uow,
        LeadAssigned(
            lead_id=lead["id"],
            team=rule.team,
            owner_id=owner_id,
            routing_rule=rule.name,
            reason=reason,  # type: ignore[arg-type]
            first_contact_due_at=due,
            assigned_at=now,
        ),
    )


async def reassign(
    lead_id: UUID, uow: UnitOfWork, owner_id: str | None = None, team: str | None = None
) -> Lead:
    """Hand the lead to a named rep, or to the next rep of its (or another) team."""
    before = await load_lead(uow, lead_id)
    if before["status"] not in ("new", "marketing_qualified", "qualified"):
        raise Conflict(f"lead {lead_id} is {before['status']}; it cannot be assigned")
    rule = await _rule_named(uow, before["routing_rule"])
    if team is not None:
        rule = replace(rule, team=team, name=f"manual:{team}")
    if owner_id is not None:
        found = await uow.session.execute(
            sa.select(sales_reps.c.team).where(sales_reps.c.rep_id == owner_id)
        )
        rep_team = found.scalar_one_or_none()
        if rep_team is None:
            raise NotFound(f"no sales rep {owner_id}")
        if team is None and rep_team != rule.team:
            rule = replace(rule, team=rep_team, name=f"manual:{rep_team}")
    after = dict(before)
    history = History(lead_id, uow.clock.now())
    exclude = before["owner_id"] if owner_id is None else None
    await route(
        after, uow, history, reason="reassignment", rule=rule, owner_id=owner_id, exclude=exclude
    )
    after["updated_at"] = uow.clock.now()
    await save_lead(uow, before, after)
    await history.save(uow)
    return after


async def record_contact(
    lead_id: UUID, uow: UnitOfWork, owner_id: str | None = None, channel: str | None = None
) -> Lead:
    """The first contact with the lead (call, e-mail, meeting) stops its SLA clock."""
    before = await load_lead(uow, lead_id)
    if before["contacted_at"] is not None:
        raise Conflict(f"lead {lead_id} was first contacted at {before['contacted_at']}")
    if before["status"] in ("merged", "disqualified"):
        raise Conflict(f"lead {lead_id} is {before['status']}")
    now = uow.clock.now()
    due = before["first_contact_due_at"]
    within = due is None or now <= due
    after = {**before, "contacted_at": now, "updated_at": now}
    if owner_id is not None and before["owner_id"] is None:
        after["owner_id"] = owner_id
    history = History(lead_id, now)
    history.add("contacted", changes_between(before, after), channel=channel, within_sla=within)
    await uow.emit(
        LeadContacted(
            lead_id=lead_id,
            owner_id=owner_id or before["owner_id"],
            channel=channel,
            within_sla=within,
            contacted_at=now,
        )
    )
    await save_lead(uow, before, after)
    await history.save(uow)
    return after


async def breach_next_due(uow: UnitOfWork) -> bool:
    """Claim one lead whose first-contact deadline passed uncontacted (SKIP LOCKED, so
    replicas share the work), emit LeadSlaBreached and escalate or reassign per its rule.
    False when nothing is due."""
    now = uow.clock.now()
    claimed = await uow.session.execute(
        sa.select(leads)
        .where(
            leads.c.first_contact_due_at <= now,
            leads.c.contacted_at.is_(None),
            leads.c.sla_breached_at.is_(None),
            leads.c.status.in_(("marketing_qualified", "qualified")),
        )
        .order_by(leads.c.first_contact_due_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    row = claimed.first()
    if row is None:
        return False
    before = dict(row._mapping)
    attributes = {"l2c.lead_id": str(before["id"])}
    with journey_span("first-contact SLA breached", before["traceparent"], attributes):
        await _breach(before, uow, now)
    return True


async def _breach(before: Lead, uow: UnitOfWork, now: datetime) -> None:
    after = {**before, "updated_at": now}
    rule = await _rule_named(uow, before["routing_rule"])
    history = History(before["id"], now)
    new_owner = None
    if rule.breach_policy == "reassign":
        new_owner = await _next_rep(uow, before["team"] or rule.team, exclude=before["owner_id"])
    breach = LeadSlaBreached(
        lead_id=before["id"],
        team=before["team"] or rule.team,
        owner_id=before["owner_id"],
        due_at=before["first_contact_due_at"],
        breached_at=now,
        action="reassigned" if new_owner else "escalated",
        escalated_to=None if new_owner else rule.escalate_to or f"{rule.team}-manager",
        new_owner_id=new_owner,
    )
    history.add("sla_breached", action=breach.action, escalated_to=breach.escalated_to)
    await uow.emit(breach)
    if new_owner is not None:
        await route(after, uow, history, reason="sla_breach", rule=rule, owner_id=new_owner)
    else:
        after["sla_breached_at"] = now
    await save_lead(uow, before, after)
    await history.save(uow)
