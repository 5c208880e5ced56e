"""indexes for the billing run: due subscriptions, unbilled adjustments, pending amendments

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_subscriptions_due ON subscriptions"
        " (next_period_start, id) WHERE status = 'active'"
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_adjustments_unbilled ON billing_adjustments"
        " (subscription_id) WHERE billed_invoice_id IS NULL"
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_amendments_pending ON subscription_amendments"
        " (subscription_id) WHERE applied_at IS NULL"
    )


def downgrade() -> None:
    for name in ("ix_amendments_pending", "ix_adjustments_unbilled", "ix_subscriptions_due"):
        op.execute(f"DROP INDEX IF EXISTS {name}")
