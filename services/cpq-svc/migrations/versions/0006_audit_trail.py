"""the audit trail: an append-only audit_log of who did what, when and from where

Revision ID: 0006
Revises: 0005
"""

from alembic import op

from l2c_runtime.audit import create_audit_table, drop_audit_table

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_audit_table(op)


def downgrade() -> None:
    drop_audit_table(op)
