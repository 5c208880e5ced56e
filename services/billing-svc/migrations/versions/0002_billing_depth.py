"""anchored periods, amendments and prorations, usage, tax rates, credit notes, revenue schedules

Revision ID: 0002
Revises: 0001

0001 creates the tables from adapters/tables.py as it stands, so on a fresh database the new
columns and tables already exist when this runs: every step here is "if not exists".
"""

from alembic import op

from billing_svc.adapters.tables import metadata

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NEW_COLUMNS = [
    ("subscriptions", "next_period_index", "integer NOT NULL DEFAULT 0"),
    ("subscriptions", "billing_timing", "text NOT NULL DEFAULT 'in_advance'"),
    ("invoices", "tax_jurisdiction", "text"),
    ("invoices", "tax_rate", "numeric(9, 6) NOT NULL DEFAULT 0"),
    ("invoices", "voided_at", "timestamptz"),
    ("invoices", "void_reason", "text"),
    ("invoice_lines", "kind", "text NOT NULL DEFAULT 'recurring'"),
]


def upgrade() -> None:
    for table, column, ddl in NEW_COLUMNS:
        op.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {ddl}")
    # Subscriptions billed before this revision: the index of their next period.
    op.execute(
        "UPDATE subscriptions SET next_period_index = ("
        " (EXTRACT(YEAR FROM age(next_period_start, start_date)) * 12"
        " + EXTRACT(MONTH FROM age(next_period_start, start_date)))::int"
        " / CASE billing_period WHEN 'year' THEN 12 WHEN 'quarter' THEN 3 ELSE 1 END)"
        " WHERE next_period_index = 0 AND next_period_start > start_date"
    )
    op.execute(
        "UPDATE invoice_lines SET kind = 'one_time' WHERE period_start = period_end"
        " AND kind = 'recurring'"
    )
    metadata.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    for name in (
        "revenue_closes",
        "revenue_schedule",
        "credit_notes",
        "account_tax_jurisdictions",
        "tax_rates",
        "usage_events",
        "usage_plans",
        "billing_adjustments",
        "subscription_amendments",
    ):
        op.execute(f"DROP TABLE IF EXISTS {name}")
    for table, column, _ in NEW_COLUMNS:
        op.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {column}")
