"""insights-svc's tables (its own database, `l2c_insights`)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

journey_facts = sa.Table(
    "journey_facts",
    metadata,
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("stage", sa.Text, nullable=False),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("account_id", sa.Uuid),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.Text),
    sa.Column("owner", sa.Text),
    sa.Column("trace_id", sa.Text),
    sa.Column("ids", JSONB, nullable=False),
    sa.Column("amounts", JSONB, nullable=False),
    sa.Column("detail", JSONB, nullable=False),
    sa.Index("ix_journey_facts_lead", "lead_id", "occurred_at"),
    sa.Index("ix_journey_facts_account", "account_id"),
    sa.Index("ix_journey_facts_time", "occurred_at"),
)

# Hand-off SLAs (insights_svc.domain.handoffs): the definitions in force, every version of
# them (who changed what, when) and what was announced of each hand-off (once each).
handoff_slas = sa.Table(
    "handoff_slas",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("from_stage", sa.Text, nullable=False),
    sa.Column("to_stages", JSONB, nullable=False),
    sa.Column("correlate_by", sa.Text),
    sa.Column("filters", JSONB, nullable=False),
    sa.Column("duration_seconds", sa.Integer, nullable=False),
    sa.Column("at_risk_percent", sa.Integer, nullable=False),
    sa.Column("owner_team", sa.Text, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("applies_from", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
)

handoff_sla_versions = sa.Table(
    "handoff_sla_versions",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("definition", JSONB, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("changed_by", sa.Text, nullable=False),
)

handoff_announcements = sa.Table(
    "handoff_announcements",
    metadata,
    sa.Column("handoff_id", sa.Uuid, primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("sla_key", sa.Text, nullable=False),
    sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
)
