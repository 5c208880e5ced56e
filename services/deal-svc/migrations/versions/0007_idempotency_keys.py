"""idempotency_keys: the stored answers of POST requests sent with an Idempotency-Key

Revision ID: 0007
Revises: 0006
"""

from alembic import op

from l2c_runtime.messaging_tables import (
    create_idempotency_keys_table,
    drop_idempotency_keys_table,
)

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_idempotency_keys_table(op)


def downgrade() -> None:
    drop_idempotency_keys_table(op)
