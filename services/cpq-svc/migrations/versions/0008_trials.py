"""free trials on quotes: days from the contract's start, and whether a payment method is needed

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
        "ALTER TABLE quotes"
        " ADD COLUMN IF NOT EXISTS trial_days integer NOT NULL DEFAULT 0,"
        " ADD COLUMN IF NOT EXISTS trial_requires_payment_method boolean NOT NULL DEFAULT false"
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE quotes DROP COLUMN IF EXISTS trial_requires_payment_method,"
        " DROP COLUMN IF EXISTS trial_days"
    )
