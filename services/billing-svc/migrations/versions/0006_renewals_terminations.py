"""renewals and terminations: a subscription's renewed terms, and its last day of service
when its contract was terminated

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE subscriptions"
        " ADD COLUMN IF NOT EXISTS terminated_on date,"
        " ADD COLUMN IF NOT EXISTS termination_reason text"
    )
    # One renewal per subscription and term start: a second event for the same term is the
    # same renewal again (ignored) or a contradiction (refused).
    op.execute(
        "CREATE TABLE IF NOT EXISTS subscription_renewals ("
        " subscription_id uuid NOT NULL REFERENCES subscriptions (id),"
        " start_date date NOT NULL,"
        " end_date date NOT NULL,"
        " uplift_percent numeric(9, 4) NOT NULL,"
        " amendment_id uuid NOT NULL,"
        " received_at timestamptz NOT NULL,"
        " PRIMARY KEY (subscription_id, start_date))"
    )


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS subscription_renewals")
    op.execute(
        "ALTER TABLE subscriptions"
        " DROP COLUMN IF EXISTS termination_reason,"
        " DROP COLUMN IF EXISTS terminated_on"
    )
