"""contracts, contract lines, orders, outbox and inbox

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from l2c_runtime.messaging_tables import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

MONEY = sa.Numeric(18, 2)


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table(
        "contracts",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("quote_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("opportunity_id", sa.Uuid, nullable=False),
        sa.Column("lead_id", sa.Uuid, nullable=False),
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("customer_name", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("term_months", sa.Integer, nullable=False),
        sa.Column("billing_period", sa.Text, nullable=False),
        sa.Column("payment_terms_days", sa.Integer, nullable=False),
        sa.Column("total_contract_value", MONEY, nullable=False),
        sa.Column("signed_by", sa.Text),
        sa.Column("signed_at", sa.DateTime(timezone=True)),
        sa.Column("traceparent", sa.Text),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('drafted', 'signed')", name="ck_contracts_status"),
        sa.CheckConstraint("end_date >= start_date", name="ck_contracts_term"),
        sa.CheckConstraint(
            "(status = 'signed') = (signed_at IS NOT NULL AND signed_by IS NOT NULL)",
            name="ck_contracts_signature",
        ),
    )
    op.create_index("ix_contracts_opportunity_id", "contracts", ["opportunity_id"])
    op.create_table(
        "contract_lines",
        sa.Column("contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), primary_key=True),
        sa.Column("line_no", sa.Integer, primary_key=True),
        sa.Column("product_code", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("charge", sa.Text, nullable=False),
        sa.Column("billing_period", sa.Text),
        sa.Column("quantity", sa.Numeric, nullable=False),
        sa.Column("unit_price", sa.Numeric, nullable=False),
        sa.Column("list_amount", MONEY, nullable=False),
        sa.Column("discount_percent", sa.Numeric, nullable=False),
        sa.Column("discount_amount", MONEY, nullable=False),
        sa.Column("net_amount", MONEY, nullable=False),
        sa.CheckConstraint("charge IN ('recurring', 'one_time')", name="ck_contract_lines_charge"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column(
            "contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), nullable=False, unique=True
        ),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('placed')", name="ck_orders_status"),
    )


def downgrade() -> None:
    op.drop_table("orders")
    op.drop_table("contract_lines")
    op.drop_table("contracts")
    drop_messaging_tables(op)
