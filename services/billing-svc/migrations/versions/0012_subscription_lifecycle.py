"""subscription lifecycle: trial notices, payment-method flag, amendment reasons

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE subscriptions"
        " ADD COLUMN IF NOT EXISTS trial_requires_payment_method boolean NOT NULL DEFAULT false,"
        " ADD COLUMN IF NOT EXISTS trial_ending_notified_at timestamptz,"
        " ADD COLUMN IF NOT EXISTS trial_ended_at timestamptz"
    )
    op.execute(
        "ALTER TABLE subscription_amendments"
        " ADD COLUMN IF NOT EXISTS reason text NOT NULL DEFAULT ''"
    )
    # The trial job's work: active subscriptions whose trial has not been seen to its end.
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_subscriptions_in_trial ON subscriptions (trial_end, id)"
        " WHERE trial_ended_at IS NULL AND trial_end IS NOT NULL AND status = 'active'"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_subscriptions_in_trial")
    op.execute("ALTER TABLE subscription_amendments DROP COLUMN IF EXISTS reason")
    op.execute(
        "ALTER TABLE subscriptions DROP COLUMN IF EXISTS trial_ended_at,"
        " DROP COLUMN IF EXISTS trial_ending_notified_at,"
        " DROP COLUMN IF EXISTS trial_requires_payment_method"
    )
