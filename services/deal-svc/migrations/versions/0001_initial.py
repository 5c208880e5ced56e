"""accounts, opportunities, stage history, outbox and inbox

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from l2c_runtime.messaging_tables import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("lead_id", sa.Uuid, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "opportunities",
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
    op.create_index(
        "uq_opportunities_new_business_lead",
        "opportunities",
        ["lead_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'new_business'"),
    )
    op.create_index("ix_opportunities_account_id", "opportunities", ["account_id"])
    op.create_table(
        "opportunity_stage_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("opportunity_id", sa.Uuid, sa.ForeignKey("opportunities.id"), nullable=False),
        sa.Column("from_stage", sa.Text),
        sa.Column("to_stage", sa.Text, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_opportunity_stage_history_opportunity",
        "opportunity_stage_history",
        ["opportunity_id"],
    )


def downgrade() -> None:
    op.drop_table("opportunity_stage_history")
    op.drop_table("opportunities")
    op.drop_table("accounts")
    drop_messaging_tables(op)
