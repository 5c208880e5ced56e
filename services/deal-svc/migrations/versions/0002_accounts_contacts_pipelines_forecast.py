"""contacts; pipelines and stages as data (seeded with the default pipeline); forecast,
ownership, loss and renewal columns on opportunities

Revision ID: 0002
Revises: 0001
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The default pipeline as it was hard-coded before: (name, position, probability,
# forecast category, outcome, requirements).
DEFAULT_STAGES = [
    ("qualification", 1, 10, "pipeline", None, []),
    ("discovery", 2, 20, "pipeline", None, []),
    ("proposal", 3, 50, "best_case", None, []),
    ("negotiation", 4, 75, "commit", None, ["amount", "expected_close_date"]),
    ("closed_won", 5, 100, "closed", "won", []),
    ("closed_lost", 6, 0, "omitted", "lost", []),
]
RENEWAL_STAGES = [
    ("renewal_due", 1, 60, "best_case", None, []),
    ("negotiation", 2, 80, "commit", None, ["amount", "expected_close_date"]),
    ("closed_won", 3, 100, "closed", "won", []),
    ("closed_lost", 4, 0, "omitted", "lost", []),
]


def upgrade() -> None:
    op.add_column("accounts", sa.Column("traceparent", sa.Text))
    op.create_table(
        "contacts",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("lead_id", sa.Uuid),
        sa.Column("full_name", sa.Text, nullable=False),
        sa.Column("email", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("role", sa.Text),
        sa.Column("is_primary", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_contacts_account_id", "contacts", ["account_id"])
    op.create_index("ix_contacts_lead_id", "contacts", ["lead_id"])

    pipelines = op.create_table(
        "pipelines",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    stages = op.create_table(
        "pipeline_stages",
        sa.Column("pipeline", sa.Text, sa.ForeignKey("pipelines.name"), primary_key=True),
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("probability", sa.Integer, nullable=False),
        sa.Column("forecast_category", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text),
        sa.Column("requires", sa.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.UniqueConstraint("pipeline", "position", name="uq_pipeline_stages_position"),
        sa.CheckConstraint("probability BETWEEN 0 AND 100", name="ck_pipeline_stages_probability"),
        sa.CheckConstraint(
            "forecast_category IN ('pipeline', 'best_case', 'commit', 'closed', 'omitted')",
            name="ck_pipeline_stages_forecast_category",
        ),
    )
    now = datetime.now(UTC)
    op.bulk_insert(
        pipelines, [{"name": "default", "updated_at": now}, {"name": "renewal", "updated_at": now}]
    )
    op.bulk_insert(
        stages,
        [
            {
                "pipeline": pipeline,
                "name": name,
                "position": position,
                "probability": probability,
                "forecast_category": category,
                "outcome": outcome,
                "requires": requires,
            }
            for pipeline, seeded in (("default", DEFAULT_STAGES), ("renewal", RENEWAL_STAGES))
            for name, position, probability, category, outcome, requires in seeded
        ],
    )

    for column in (
        sa.Column("pipeline", sa.Text, nullable=False, server_default="default"),
        sa.Column("forecast_category", sa.Text, nullable=False, server_default="pipeline"),
        sa.Column("expected_close_date", sa.Date),
        sa.Column("owner", sa.Text),
        sa.Column("competitor", sa.Text),
        sa.Column("renews_contract_id", sa.Uuid),
        sa.Column("renewal_end_date", sa.Date),
        sa.Column("previous_opportunity_id", sa.Uuid),
    ):
        op.add_column("opportunities", column)
    op.add_column("opportunity_stage_history", sa.Column("probability", sa.Integer))
    op.execute(
        "UPDATE opportunities o SET forecast_category = s.forecast_category "
        "FROM pipeline_stages s WHERE s.pipeline = o.pipeline AND s.name = o.stage"
    )
    op.execute(
        "UPDATE accounts a SET traceparent = o.traceparent FROM opportunities o "
        "WHERE o.account_id = a.id AND o.kind = 'new_business'"
    )
    op.create_index("ix_opportunities_lead_id", "opportunities", ["lead_id"])
    op.create_index(
        "ix_opportunities_expected_close_date", "opportunities", ["expected_close_date"]
    )
    op.create_index(
        "uq_opportunities_renewal_term",
        "opportunities",
        ["renews_contract_id", "renewal_end_date"],
        unique=True,
        postgresql_where=sa.text("kind = 'renewal'"),
    )


def downgrade() -> None:
    op.drop_index("uq_opportunities_renewal_term", "opportunities")
    op.drop_index("ix_opportunities_expected_close_date", "opportunities")
    op.drop_index("ix_opportunities_lead_id", "opportunities")
    op.drop_column("opportunity_stage_history", "probability")
    for name in (
        "previous_opportunity_id",
        "renewal_end_date",
        "renews_contract_id",
        "competitor",
        "owner",
        "expected_close_date",
        "forecast_category",
        "pipeline",
    ):
        op.drop_column("opportunities", name)
    op.drop_table("pipeline_stages")
    op.drop_table("pipelines")
    op.drop_table("contacts")
    op.drop_column("accounts", "traceparent")
