"""lead-svc's tables."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = sa.MetaData()

LEAD_STATUSES = ("new", "marketing_qualified", "qualified", "disqualified", "merged")

leads = sa.Table(
    "leads",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("email", sa.Text),
    sa.Column("full_name", sa.Text),
    sa.Column("company", sa.Text, nullable=False),
    sa.Column("country", sa.Text),
    sa.Column("employees", sa.Integer),
    sa.Column("title", sa.Text),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("campaign", sa.Text),
    sa.Column("external_id", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("score_items", JSONB, nullable=False),
    sa.Column("traceparent", sa.Text),
    sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # 0002: identity, attribution, consent, scoring, routing, SLA, lifecycle
    sa.Column("person_key", sa.Text),
    sa.Column("company_key", sa.Text),
    sa.Column("industry", sa.Text),
    sa.Column("product_interest", sa.Text),
    sa.Column("attribution", JSONB, nullable=False, server_default="{}"),
    sa.Column("marketing_consent", sa.Boolean),
    sa.Column("fit_score", sa.Integer, nullable=False, server_default="0"),
    sa.Column("intent_score", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rule_set_version", sa.Integer),
    sa.Column("team", sa.Text),
    sa.Column("owner_id", sa.Text),
    sa.Column("routing_rule", sa.Text),
    sa.Column("assigned_at", sa.DateTime(timezone=True)),
    sa.Column("first_contact_due_at", sa.DateTime(timezone=True)),
    sa.Column("contacted_at", sa.DateTime(timezone=True)),
    sa.Column("sla_breached_at", sa.DateTime(timezone=True)),
    sa.Column("disqualification_reason", sa.Text),
    sa.Column("merged_into", sa.Uuid),
    sa.Column("recycle_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("erased_at", sa.DateTime(timezone=True)),
)

lead_history = sa.Table(
    "lead_history",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("lead_id", sa.Uuid, nullable=False, index=True),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("changes", JSONB, nullable=False, server_default="{}"),
    sa.Column("detail", JSONB, nullable=False, server_default="{}"),
)

lead_activities = sa.Table(
    "lead_activities",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("lead_id", sa.Uuid, index=True),
    sa.Column("person_key", sa.Text),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("detail", sa.Text),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

scoring_rules = sa.Table(
    "scoring_rules",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("document", JSONB, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

routing_rules = sa.Table(
    "routing_rules",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("team", sa.Text, nullable=False),
    sa.Column("countries", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("regions", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("segments", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("product_interests", ARRAY(sa.Text), nullable=False, server_default="{}"),
    sa.Column("sla_minutes", sa.Integer, nullable=False),
    sa.Column("breach_policy", sa.Text, nullable=False),
    sa.Column("escalate_to", sa.Text),
)

sales_reps = sa.Table(
    "sales_reps",
    metadata,
    sa.Column("rep_id", sa.Text, primary_key=True),
    sa.Column("team", sa.Text, nullable=False, index=True),
    sa.Column("capacity", sa.Integer, nullable=False),
    sa.Column("credit", sa.Integer, nullable=False, server_default="0"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
)


# Declared so that the code describes the database its migrations build (checked by
# tests/integration/test_migrations_match_tables.py); the migrations create them.
sa.Index(
    "ux_leads_person",
    leads.c.person_key,
    unique=True,
    postgresql_where=sa.text("person_key IS NOT NULL"),
)
sa.Index("ix_leads_company_key", leads.c.company_key)
sa.Index("ix_leads_captured", leads.c.captured_at, leads.c.id)
sa.Index("ix_leads_email", leads.c.email)
sa.Index(
    "ix_leads_sla_due",
    leads.c.first_contact_due_at,
    postgresql_where=sa.text("contacted_at IS NULL AND sla_breached_at IS NULL"),
)
sa.Index(
    "ix_leads_open_rule_set",
    leads.c.rule_set_version,
    postgresql_where=sa.text("status IN ('new', 'marketing_qualified') AND erased_at IS NULL"),
)
sa.Index(
    "ix_lead_activities_unmatched",
    lead_activities.c.person_key,
    postgresql_where=sa.text("lead_id IS NULL"),
)
sa.Index(
    "ux_scoring_rules_one_active",
    scoring_rules.c.active,
    unique=True,
    postgresql_where=sa.text("active"),
)
