"""free trials: days from the start, and whether the trial needs a payment method

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
        "ALTER TABLE contracts"
        " ADD COLUMN IF NOT EXISTS trial_days integer NOT NULL DEFAULT 0,"
        " ADD COLUMN IF NOT EXISTS trial_requires_payment_method boolean NOT NULL DEFAULT false"
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE contracts DROP COLUMN IF EXISTS trial_requires_payment_method,"
        " DROP COLUMN IF EXISTS trial_days"
    )
