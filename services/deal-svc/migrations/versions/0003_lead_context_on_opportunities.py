"""what sales needs from the qualified lead on its opportunity: source, campaign, score, team;
one OPEN new-business deal per lead (a recycled lead that qualifies again after a lost deal
opens a new one)

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS = (
    ("lead_source", sa.Text),
    ("lead_campaign", sa.Text),
    ("lead_score", sa.Integer),
    ("lead_team", sa.Text),
)


def upgrade() -> None:
    for name, kind in COLUMNS:
        op.add_column("opportunities", sa.Column(name, kind()))
    op.drop_index("uq_opportunities_new_business_lead", "opportunities")
    op.create_index(
        "uq_opportunities_open_new_business_lead",
        "opportunities",
        ["lead_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'new_business' AND status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("uq_opportunities_open_new_business_lead", "opportunities")
    op.create_index(
        "uq_opportunities_new_business_lead",
        "opportunities",
        ["lead_id"],
        unique=True,
        postgresql_where=sa.text("kind = 'new_business'"),
    )
    for name, _ in reversed(COLUMNS):
        op.drop_column("opportunities", name)
