"""usage rates: the accepted quote's usage prices, kept on the contract for its order

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE contracts ADD COLUMN IF NOT EXISTS usage_rates jsonb NOT NULL DEFAULT '[]'"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE contracts DROP COLUMN IF EXISTS usage_rates")
