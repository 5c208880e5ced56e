"""identity keys, attribution, consent, scoring rules, routing, SLA, history, activities

Revision ID: 0002
Revises: 0001
"""

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The rule set a fresh install starts with (version 1); frozen here on purpose.
_SENIOR = ["chief", "ceo", "cfo", "cto", "coo", "vp", "vice president", "head", "director"]
_FIT = [
    {"label": "enterprise company (1000+ employees)", "attribute": "employees", "points": 40,
     "min": 1000},
    {"label": "mid-market company (200-999 employees)", "attribute": "employees", "points": 30,
     "min": 200, "max": 999},
    {"label": "small business (20-199 employees)", "attribute": "employees", "points": 15,
     "min": 20, "max": 199},
    {"label": "senior decision maker", "attribute": "title", "points": 20, "keywords": _SENIOR},
    {"label": "business e-mail domain", "attribute": "email_type", "points": 10,
     "any_of": ["business"]},
    {"label": "high-intent source", "attribute": "source", "points": 20,
     "any_of": ["demo_request", "referral", "contact_sales"]},
]  # fmt: skip
_INTENT = [
    {"kind": "page_view", "points": 2, "max_points": 10},
    {"kind": "content_download", "points": 8, "max_points": 24},
    {"kind": "webinar_attended", "points": 15, "max_points": 30},
    {"kind": "email_click", "points": 3, "max_points": 12},
    {"kind": "pricing_page_visit", "points": 10, "max_points": 20},
]
DEFAULT_DOCUMENT = {
    "fit": _FIT,
    "intent": _INTENT,
    "half_life_days": 14,
    "gates": {"mql_min_score": 30, "sql_min_score": 50, "sql_min_fit": 30},
}
STATUSES = "('new', 'marketing_qualified', 'qualified', 'disqualified', 'merged')"


def upgrade() -> None:
    op.alter_column("leads", "email", nullable=True)
    op.alter_column("leads", "full_name", nullable=True)
    op.drop_constraint("ck_leads_status", "leads", type_="check")
    op.create_check_constraint("ck_leads_status", "leads", f"status IN {STATUSES}")
    columns = [
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
    ]
    for column in columns:
        op.add_column("leads", column)
    # Existing leads: the earliest of each address keeps the person key (no false merges).
    op.execute(
        "UPDATE leads SET person_key = k.key FROM ("
        " SELECT DISTINCT ON (lower(trim(email))) id, lower(trim(email)) AS key"
        " FROM leads ORDER BY lower(trim(email)), captured_at) k WHERE leads.id = k.id"
    )
    op.create_index(
        "ux_leads_person",
        "leads",
        ["person_key"],
        unique=True,
        postgresql_where=sa.text("person_key IS NOT NULL"),
    )
    op.create_index("ix_leads_company_key", "leads", ["company_key"])
    op.create_index("ix_leads_captured", "leads", ["captured_at", "id"])
    op.create_index(
        "ix_leads_sla_due",
        "leads",
        ["first_contact_due_at"],
        postgresql_where=sa.text("contacted_at IS NULL AND sla_breached_at IS NULL"),
    )
    op.create_table(
        "lead_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("lead_id", sa.Uuid, nullable=False, index=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("changes", JSONB, nullable=False, server_default="{}"),
        sa.Column("detail", JSONB, nullable=False, server_default="{}"),
    )
    op.create_table(
        "lead_activities",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("lead_id", sa.Uuid, index=True),
        sa.Column("person_key", sa.Text),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_lead_activities_unmatched",
        "lead_activities",
        ["person_key"],
        postgresql_where=sa.text("lead_id IS NULL"),
    )
    scoring = op.create_table(
        "scoring_rules",
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("document", JSONB, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ux_scoring_rules_one_active",
        "scoring_rules",
        ["active"],
        unique=True,
        postgresql_where=sa.text("active"),
    )
    op.bulk_insert(
        scoring,
        [
            {
                "version": 1,
                "active": True,
                "document": json.loads(json.dumps(DEFAULT_DOCUMENT)),
                "note": "initial rules",
                "created_at": datetime.now(UTC),
            }
        ],
    )
    routing = op.create_table(
        "routing_rules",
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
        sa.CheckConstraint("breach_policy IN ('escalate', 'reassign')", name="ck_breach_policy"),
        sa.CheckConstraint("sla_minutes > 0", name="ck_sla_minutes_positive"),
    )
    op.bulk_insert(
        routing,
        [
            {
                "name": "default",
                "priority": 1000,
                "team": "inbound",
                "sla_minutes": 120,
                "breach_policy": "escalate",
                "escalate_to": "inbound-manager",
            }
        ],
    )
    op.create_table(
        "sales_reps",
        sa.Column("rep_id", sa.Text, primary_key=True),
        sa.Column("team", sa.Text, nullable=False, index=True),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("credit", sa.Integer, nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.CheckConstraint("capacity >= 0", name="ck_capacity_not_negative"),
    )


def downgrade() -> None:
    for table in ("sales_reps", "routing_rules", "scoring_rules", "lead_activities"):
        op.drop_table(table)
    op.drop_table("lead_history")
    for index in ("ix_leads_sla_due", "ix_leads_captured", "ix_leads_company_key"):
        op.drop_index(index, "leads")
    op.drop_index("ux_leads_person", "leads")
    for column in (
        "erased_at", "recycle_count", "merged_into", "disqualification_reason",
        "sla_breached_at", "contacted_at", "first_contact_due_at", "assigned_at",
        "routing_rule", "owner_id", "team", "rule_set_version", "intent_score", "fit_score",
        "marketing_consent", "attribution", "product_interest", "industry", "company_key",
        "person_key",
    ):  # fmt: skip
        op.drop_column("leads", column)
    op.drop_constraint("ck_leads_status", "leads", type_="check")
    op.create_check_constraint(
        "ck_leads_status", "leads", "status IN ('new', 'qualified', 'disqualified')"
    )
