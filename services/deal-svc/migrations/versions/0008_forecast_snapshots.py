"""forecast_snapshots: the forecast as it stood each day, for forecast accuracy

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forecast_snapshot_days",
        sa.Column("period", sa.Text, primary_key=True),
        sa.Column("taken_on", sa.Date, primary_key=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "forecast_snapshots",
        sa.Column("period", sa.Text, primary_key=True),
        sa.Column("taken_on", sa.Date, primary_key=True),
        sa.Column("owner", sa.Text, primary_key=True),
        sa.Column("team", sa.Text, primary_key=True),
        sa.Column("currency", sa.Text, primary_key=True),
        sa.Column("closed", sa.Numeric(18, 2), nullable=False),
        sa.Column("commit_forecast", sa.Numeric(18, 2), nullable=False),
        sa.Column("best_case_forecast", sa.Numeric(18, 2), nullable=False),
        sa.Column("weighted_forecast", sa.Numeric(18, 2), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("forecast_snapshots")
    op.drop_table("forecast_snapshot_days")
