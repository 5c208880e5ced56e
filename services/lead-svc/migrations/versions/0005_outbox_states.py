"""outbox states (parked rows wait with their error), relay and retention leases, the
indexes the relay and retention read by

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from l2c_runtime.messaging_tables import add_outbox_states, drop_outbox_states

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_states(op)


def downgrade() -> None:
    drop_outbox_states(op)
