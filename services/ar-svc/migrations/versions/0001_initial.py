"""receivables, payments, postings, outbox and inbox

Revision ID: 0001
Revises:
"""

from alembic import op

from ar_svc.adapters.tables import metadata
from l2c_runtime.messaging_tables import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)
    # The first release's schema is the tables module as it stands at this revision; any later
    # change to adapters/tables.py comes with a migration of its own.
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
    drop_messaging_tables(op)
