"""receivables.next_dunning_on: the dunning job claims only what is due today, by index

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 0001 builds the current tables module, so on a fresh database these already exist.
    op.execute("ALTER TABLE receivables ADD COLUMN IF NOT EXISTS next_dunning_on date")
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_receivables_next_dunning_on ON receivables"
        " (next_dunning_on) WHERE status = 'open'"
    )
    op.execute(
        "UPDATE receivables SET next_dunning_on = due_date + 1"
        " WHERE status = 'open' AND next_dunning_on IS NULL"
    )
    op.execute("DROP INDEX IF EXISTS ix_receivables_dunning")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_receivables_next_dunning_on")
    op.execute("ALTER TABLE receivables DROP COLUMN IF EXISTS next_dunning_on")
