"""billing-svc's tables. Money columns are NUMERIC; an invoice per subscription and period is
unique, and invoice numbers come from a per-year counter updated in the issuing transaction."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
MONEY = sa.Numeric(18, 2)

subscriptions = sa.Table(
    "subscriptions",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("order_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("contract_id", sa.Uuid, nullable=False),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("account_id", sa.Uuid, nullable=False),
    sa.Column("customer_name", sa.Text, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("billing_period", sa.Text, nullable=False),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("end_date", sa.Date, nullable=False),
    sa.Column("payment_terms_days", sa.Integer, nullable=False),
    sa.Column("next_period_start", sa.Date),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("traceparent", sa.Text),
    sa.Column("activated_at", sa.DateTime(timezone=True), nullable=False),
)

subscription_items = sa.Table(
    "subscription_items",
    metadata,
    sa.Column("subscription_id", sa.Uuid, sa.ForeignKey("subscriptions.id"), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("product_code", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("charge", sa.Text, nullable=False),
    sa.Column("quantity", sa.Numeric(18, 4), nullable=False),
    sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
    sa.Column("discount_amount", MONEY, nullable=False),
    sa.Column("net_amount", MONEY, nullable=False),
)

invoices = sa.Table(
    "invoices",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("invoice_number", sa.Text, nullable=False, unique=True),
    sa.Column("subscription_id", sa.Uuid, sa.ForeignKey("subscriptions.id"), nullable=False),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("account_id", sa.Uuid, nullable=False),
    sa.Column("customer_name", sa.Text, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("issue_date", sa.Date, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("subtotal", MONEY, nullable=False),
    sa.Column("tax_total", MONEY, nullable=False),
    sa.Column("total", MONEY, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("traceparent", sa.Text),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("paid_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("subscription_id", "period_start", name="uq_invoice_per_period"),
    sa.CheckConstraint("total = subtotal + tax_total", name="ck_invoice_total"),
)

invoice_lines = sa.Table(
    "invoice_lines",
    metadata,
    sa.Column("invoice_id", sa.Uuid, sa.ForeignKey("invoices.id"), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("product_code", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("quantity", sa.Numeric(18, 4), nullable=False),
    sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
    sa.Column("discount_amount", MONEY, nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
)

invoice_number_sequences = sa.Table(
    "invoice_number_sequences",
    metadata,
    sa.Column("legal_entity", sa.Text, primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last_number", sa.Integer, nullable=False),
)
