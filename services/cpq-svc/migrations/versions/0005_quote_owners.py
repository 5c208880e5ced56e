"""who owns an opportunity and its quotes (rep and team, for object-level access) and who
created each quote version (a quote's own creator or owner may not approve its discount)

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("opportunities", "quotes"):
        op.add_column(table, sa.Column("owner", sa.Text))
        op.add_column(table, sa.Column("team", sa.Text))
    op.add_column("quotes", sa.Column("created_by", sa.Text))
    op.create_index("ix_quotes_team", "quotes", ["team"])


def downgrade() -> None:
    op.drop_index("ix_quotes_team", "quotes")
    op.drop_column("quotes", "created_by")
    for table in ("quotes", "opportunities"):
        op.drop_column(table, "team")
        op.drop_column(table, "owner")
