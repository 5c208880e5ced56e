"""the audit trail: an append-only audit_log of who did what, when and from where; who
requested each contract approval (they may not approve it)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from l2c_runtime.audit import create_audit_table, drop_audit_table

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table(op)
    # Who asked for the terms an approval round judges: they may not approve them.
    op.add_column("contract_approvals", sa.Column("requested_by", sa.Text))


def downgrade() -> None:
    op.drop_column("contract_approvals", "requested_by")
    drop_audit_table(op)
