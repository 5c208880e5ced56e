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
