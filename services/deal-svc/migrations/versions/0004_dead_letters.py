"""dead_letter: full copies of dead letters too large for their dead-letter topic

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from l2c_runtime.messaging_tables import create_dead_letter_table, drop_dead_letter_table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_dead_letter_table(op)


def downgrade() -> None:
    drop_dead_letter_table(op)
