"""lead-svc's tables."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

leads = sa.Table(
    "leads",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("full_name", sa.Text, nullable=False),
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
    sa.CheckConstraint("status IN ('new', 'qualified', 'disqualified')", name="ck_leads_status"),
)
