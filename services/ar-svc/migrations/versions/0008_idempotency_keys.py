"""idempotency_keys: the stored answers of POST requests sent with an Idempotency-Key

Revision ID: 0008
Revises: 0007
"""

from alembic import op

from l2c_runtime.messaging_tables import (
    create_idempotency_keys_table,
    drop_idempotency_keys_table,
)

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_keys_table(op)


def downgrade() -> None:
    drop_idempotency_keys_table(op)
