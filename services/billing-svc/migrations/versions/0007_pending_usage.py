"""usage addressed to an account that has no subscription yet, kept until it has one

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE IF NOT EXISTS usage_pending (
            event_id text PRIMARY KEY,
            account_id uuid NOT NULL,
            metric text NOT NULL,
            quantity numeric(24, 6) NOT NULL,
            unique_key text,
            occurred_at timestamptz NOT NULL,
            received_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX IF NOT EXISTS ix_usage_pending_account ON usage_pending (account_id)")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS usage_pending")
