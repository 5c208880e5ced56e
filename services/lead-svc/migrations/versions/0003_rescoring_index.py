"""index of open leads by the rule set version that scored them (re-scoring job)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_leads_open_rule_set",
        "leads",
        ["rule_set_version"],
        postgresql_where=sa.text("status IN ('new', 'marketing_qualified') AND erased_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_leads_open_rule_set", table_name="leads")
