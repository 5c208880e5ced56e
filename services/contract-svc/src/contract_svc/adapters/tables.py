"""contract-svc's tables."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

MONEY = sa.Numeric(18, 2)

contracts = sa.Table(
    "contracts",
    metadata,
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
    sa.Index("ix_contracts_opportunity_id", "opportunity_id"),
)

contract_lines = sa.Table(
    "contract_lines",
    metadata,
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

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), nullable=False, unique=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('placed')", name="ck_orders_status"),
)
