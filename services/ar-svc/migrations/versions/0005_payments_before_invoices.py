"""payments.announced: a payment that came before any invoice of its account is announced
(PaymentReceived) when the first invoice arrives

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 0001 builds the current tables module, so on a fresh database the column exists.
    op.execute(
        "ALTER TABLE payments ADD COLUMN IF NOT EXISTS announced boolean NOT NULL DEFAULT true"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE payments DROP COLUMN IF EXISTS announced")
