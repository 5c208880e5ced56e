"""Hand-off SLAs and the leakage watch, on the platform clock: what is open, at risk or
breached now, the announcements due (each once, whichever replica makes it), the findings of
the leakage detectors, and their Prometheus gauges."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncSession

from insights_svc.adapters import handoffs as store
from insights_svc.domain import leakage
from insights_svc.domain.handoffs import (
    OPEN_STATES,
    Handoff,
    SlaDefinition,
    handoffs,
    start_stages,
)
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.insights import HandoffSlaBreached, HandoffSlaMet

HANDOFF_WINDOW = timedelta(days=120)
"""Hand-offs that started longer ago than this are no longer watched."""
LEAKAGE_WINDOW = timedelta(days=400)
"""The detectors read the events of this long."""
MAX_ANNOUNCEMENTS_PER_TRANSACTION = 200


@dataclass
class WatchGauges:
    handoffs: Gauge
    announced: Counter
    findings: Gauge
    at_risk: Gauge


_GAUGES: weakref.WeakKeyDictionary[CollectorRegistry, WatchGauges] = weakref.WeakKeyDictionary()


def gauges(registry: CollectorRegistry) -> WatchGauges:
    """The watch's metrics in a service's registry (declared once per registry)."""
    found = _GAUGES.get(registry)
    if found is None:
        found = WatchGauges(
            handoffs=Gauge(
                "l2c_handoffs",
                "Hand-offs not yet ended, by SLA and state (open, at_risk, breached), sampled",
                ["sla", "state"],
                registry=registry,
            ),
            announced=Counter(
                "l2c_handoff_outcomes_total",
                "Hand-off SLA outcomes announced by this process (breached, met), by SLA",
                ["sla", "outcome"],
                registry=registry,
            ),
            findings=Gauge(
                "l2c_leakage_findings",
                "Open revenue-leakage findings, by detector, sampled",
                ["detector"],
                registry=registry,
            ),
            at_risk=Gauge(
                "l2c_leakage_amount_at_risk",
                "Sum of the amounts at risk of the open leakage findings, by detector and "
                "currency (major unit), sampled",
                ["detector", "currency"],
                registry=registry,
            ),
        )
        _GAUGES[registry] = found
    return found


async def current_handoffs(
    session: AsyncSession, now: datetime, only: SlaDefinition | None = None
) -> list[Handoff]:
    """Every watched hand-off (of every enabled SLA, or of `only`)."""
    chosen = [only] if only is not None else await store.definitions(session, enabled_only=True)
    if not chosen:
        return []
    window = now - HANDOFF_WINDOW
    since = max(window, min(s.applies_from or window for s in chosen))
    facts = await store.facts_since(session, start_stages(chosen), since)
    found: list[Handoff] = []
    for sla in chosen:
        found.extend(handoffs(sla, facts))
    return found


async def findings(session: AsyncSession, now: datetime) -> list[leakage.Finding]:
    facts = await store.facts_since(session, leakage.STAGES, now - LEAKAGE_WINDOW)
    return leakage.detect(facts, now, leakage.Policy())


def _outcome(handoff: Handoff, kind: str, now: datetime) -> HandoffSlaBreached | HandoffSlaMet:
    common = {
        "lead_id": handoff.lead_id,
        "account_id": handoff.account_id,
        "handoff_id": handoff.handoff_id,
        "sla_key": handoff.sla.key,
        "sla_version": handoff.sla.version,
        "from_stage": handoff.sla.from_stage,
        "to_stage": handoff.ended_by or handoff.sla.to_stages[0],
        "subject_id": handoff.subject_id,
        "owner_team": handoff.sla.owner_team,
        "owner": handoff.owner,
        "sla_seconds": handoff.sla.duration_seconds,
        "started_at": handoff.started_at,
        "due_at": handoff.due_at,
        "elapsed_seconds": handoff.elapsed_seconds(now),
        "trace_id": handoff.trace_id,
    }
    if kind == "met":
        assert handoff.ended_at is not None
        return HandoffSlaMet(**common, ended_at=handoff.ended_at)
    return HandoffSlaBreached(**common, ended_at=handoff.ended_at, breached_at=now)


async def announce(
    uow: UnitOfWork, due: list[tuple[Handoff, str]], registry: CollectorRegistry
) -> int:
    """Announce these outcomes in this transaction (those another replica has not)."""
    now = uow.clock.now()
    made = 0
    for handoff, kind in due:
        if await store.claim_announcement(
            uow.session, handoff.handoff_id, kind, handoff.sla.key, now
        ):
            await uow.emit(_outcome(handoff, kind, now))
            gauges(registry).announced.labels(handoff.sla.key, kind).inc()
            made += 1
    return made


def sample_handoffs(registry: CollectorRegistry, found: list[Handoff], now: datetime) -> None:
    counts: dict[tuple[str, str], int] = {}
    for handoff in found:
        state = handoff.state(now)
        if state in OPEN_STATES:
            counts[(handoff.sla.key, state)] = counts.get((handoff.sla.key, state), 0) + 1
    gauge = gauges(registry).handoffs
    gauge.clear()
    for key in sorted({h.sla.key for h in found}):
        for name in OPEN_STATES:
            gauge.labels(key, name).set(counts.get((key, name), 0))


def sample_findings(registry: CollectorRegistry, found: list[leakage.Finding]) -> None:
    watch = gauges(registry)
    watch.at_risk.clear()
    counts = {name: 0 for name in leakage.DETECTORS}
    for finding in found:
        counts[finding.detector] += 1
    for name, count in counts.items():
        watch.findings.labels(name).set(count)
    for name, per_currency in leakage.totals(found).items():
        for currency, amount in per_currency.items():
            watch.at_risk.labels(name, currency).set(float(amount))
