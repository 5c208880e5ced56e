"""deal-svc's tables."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

opportunities = sa.Table(
    "opportunities",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False, server_default="new_business"),
    sa.Column("stage", sa.Text, nullable=False),
    sa.Column("probability", sa.Integer, nullable=False),
    sa.Column("amount", sa.Numeric(18, 2)),
    sa.Column("currency", sa.Text),
    sa.Column("quote_id", sa.Uuid),
    sa.Column("contract_id", sa.Uuid),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("close_reason", sa.Text),
    sa.Column("traceparent", sa.Text),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("status IN ('open', 'won', 'lost')", name="ck_opportunities_status"),
    sa.CheckConstraint("probability BETWEEN 0 AND 100", name="ck_opportunities_probability"),
)
# A qualified lead opens exactly one new-business deal, so a replayed LeadQualified is a no-op.
sa.Index(
    "uq_opportunities_new_business_lead",
    opportunities.c.lead_id,
    unique=True,
    postgresql_where=opportunities.c.kind == "new_business",
)
sa.Index("ix_opportunities_account_id", opportunities.c.account_id)

opportunity_stage_history = sa.Table(
    "opportunity_stage_history",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("opportunity_id", sa.Uuid, sa.ForeignKey("opportunities.id"), nullable=False),
    sa.Column("from_stage", sa.Text),
    sa.Column("to_stage", sa.Text, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index("ix_opportunity_stage_history_opportunity", opportunity_stage_history.c.opportunity_id)
