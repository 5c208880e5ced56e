"""dead_letter: full copies of dead letters too large for their dead-letter topic

Revision ID: 0008
Revises: 0007
"""

from alembic import op

from l2c_runtime.messaging_tables import create_dead_letter_table, drop_dead_letter_table

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_dead_letter_table(op)


def downgrade() -> None:
    drop_dead_letter_table(op)
