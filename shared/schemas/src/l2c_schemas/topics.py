"""Topic names. One events topic per producing context, inbound integration topics, and a
dead-letter topic beside each consumed topic. Topics are provisioned, never auto-created."""

from __future__ import annotations

LEAD_EVENTS = "l2c.lead.events.v1"
DEAL_EVENTS = "l2c.deal.events.v1"
CPQ_EVENTS = "l2c.cpq.events.v1"
CONTRACT_EVENTS = "l2c.contract.events.v1"
BILLING_EVENTS = "l2c.billing.events.v1"
AR_EVENTS = "l2c.ar.events.v1"
INSIGHTS_EVENTS = "l2c.insights.events.v1"
"""Hand-off SLA outcomes of insights-svc (a read model: nothing of the journey itself)."""

LEAD_INTAKE = "l2c.lead.intake.v1"
LEAD_ACTIVITY = "l2c.lead.activity.v1"
USAGE = "l2c.usage.v1"
PAYMENTS_INBOUND = "l2c.payments.inbound.v1"
PROVISIONING = "l2c.provisioning.v1"
PAYMENTS_OUTBOUND = "l2c.payments.outbound.v1"
"""Requests to payment gateways (refunds): ar-svc writes, the gateway integration reads."""
CLOCK = "l2c.clock.v1"
"""Control topic of the simulated clock (dev/test); one partition, read by every replica."""

CONTEXT_TOPICS = (LEAD_EVENTS, DEAL_EVENTS, CPQ_EVENTS, CONTRACT_EVENTS, BILLING_EVENTS, AR_EVENTS)
INBOUND_TOPICS = (LEAD_INTAKE, LEAD_ACTIVITY, USAGE, PAYMENTS_INBOUND, PROVISIONING)
OUTBOUND_TOPICS = (PAYMENTS_OUTBOUND,)


def dead_letter_topic(topic: str) -> str:
    """The dead-letter topic of a consumed topic: `<topic>.dlq`."""
    return f"{topic}.dlq"


ALL_TOPICS = (
    *CONTEXT_TOPICS,
    INSIGHTS_EVENTS,
    *INBOUND_TOPICS,
    *OUTBOUND_TOPICS,
    *(dead_letter_topic(t) for t in (*CONTEXT_TOPICS, *INBOUND_TOPICS)),
)
