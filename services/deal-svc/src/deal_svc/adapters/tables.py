"""deal-svc's tables."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("traceparent", sa.Text),
)

contacts = sa.Table(
    "contacts",
    metadata,
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
sa.Index("ix_contacts_account_id", contacts.c.account_id)
sa.Index("ix_contacts_lead_id", contacts.c.lead_id)

pipelines = sa.Table(
    "pipelines",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

pipeline_stages = sa.Table(
    "pipeline_stages",
    metadata,
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

opportunities = sa.Table(
    "opportunities",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False, server_default="new_business"),
    sa.Column("stage", sa.Text, nullable=False),
    sa.Column("probability", sa.Integer, nullable=False),
    sa.Column("amount", sa.Numeric(18, 2)),
    sa.Column("currency", sa.Text),
    sa.Column("quote_id", sa.Uuid),
    sa.Column("contract_id", sa.Uuid),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("close_reason", sa.Text),
    sa.Column("traceparent", sa.Text),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    sa.Column("pipeline", sa.Text, nullable=False, server_default="default"),
    sa.Column("forecast_category", sa.Text, nullable=False, server_default="pipeline"),
    sa.Column("expected_close_date", sa.Date),
    sa.Column("owner", sa.Text),
    sa.Column("competitor", sa.Text),
    sa.Column("renews_contract_id", sa.Uuid),
    sa.Column("renewal_end_date", sa.Date),
    sa.Column("previous_opportunity_id", sa.Uuid),
    # the qualified lead's context (a new-business deal opened from LeadQualified)
    sa.Column("lead_source", sa.Text),
    sa.Column("lead_campaign", sa.Text),
    sa.Column("lead_score", sa.Integer),
    sa.Column("lead_team", sa.Text),
    sa.CheckConstraint("status IN ('open', 'won', 'lost')", name="ck_opportunities_status"),
    sa.CheckConstraint("probability BETWEEN 0 AND 100", name="ck_opportunities_probability"),
)
# A lead has at most one open new-business deal: a repeated LeadQualified finds it.
sa.Index(
    "uq_opportunities_open_new_business_lead",
    opportunities.c.lead_id,
    unique=True,
    postgresql_where=sa.and_(
        opportunities.c.kind == "new_business", opportunities.c.status == "open"
    ),
)
sa.Index("ix_opportunities_account_id", opportunities.c.account_id)
sa.Index("ix_opportunities_lead_id", opportunities.c.lead_id)
sa.Index("ix_opportunities_expected_close_date", opportunities.c.expected_close_date)
# One renewal deal per contract term: a repeated RenewalDue finds the one already open.
sa.Index(
    "uq_opportunities_renewal_term",
    opportunities.c.renews_contract_id,
    opportunities.c.renewal_end_date,
    unique=True,
    postgresql_where=opportunities.c.kind == "renewal",
)

opportunity_stage_history = sa.Table(
    "opportunity_stage_history",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("opportunity_id", sa.Uuid, sa.ForeignKey("opportunities.id"), nullable=False),
    sa.Column("from_stage", sa.Text),
    sa.Column("to_stage", sa.Text, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("probability", sa.Integer),
)
sa.Index("ix_opportunity_stage_history_opportunity", opportunity_stage_history.c.opportunity_id)

# The days a period's forecast was kept, even a day with nothing forecast (a call of 0).
forecast_snapshot_days = sa.Table(
    "forecast_snapshot_days",
    metadata,
    sa.Column("period", sa.Text, primary_key=True),
    sa.Column("taken_on", sa.Date, primary_key=True),
    sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
)

# The forecast as it stood each day, per period, owner, team and currency (forecast accuracy).
forecast_snapshots = sa.Table(
    "forecast_snapshots",
    metadata,
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
