"""cpq-svc's tables."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

products = sa.Table(
    "products",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("charge", sa.Text, nullable=False),
    sa.Column("billing_period", sa.Text),
    sa.CheckConstraint("charge IN ('recurring', 'one_time')", name="ck_products_charge"),
    sa.CheckConstraint(
        "(charge = 'one_time' AND billing_period IS NULL) OR "
        "(charge = 'recurring' AND billing_period IN ('month', 'quarter', 'year'))",
        name="ck_products_billing_period",
    ),
)

price_book_entries = sa.Table(
    "price_book_entries",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("price_book", sa.Text, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("product_code", sa.Text, sa.ForeignKey("products.code"), nullable=False),
    sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.UniqueConstraint(
        "price_book", "currency", "product_code", "effective_from", name="uq_price_book_entries"
    ),
    sa.CheckConstraint("unit_price >= 0", name="ck_price_book_entries_unit_price"),
)

opportunities = sa.Table(
    "opportunities",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("account_id", sa.Uuid, nullable=False),
    sa.Column("account_name", sa.Text, nullable=False),
    sa.Column("traceparent", sa.Text),
)

quotes = sa.Table(
    "quotes",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("opportunity_id", sa.Uuid, sa.ForeignKey("opportunities.id"), nullable=False),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("account_id", sa.Uuid, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("term_months", sa.Integer, nullable=False),
    sa.Column("billing_period", sa.Text, nullable=False),
    sa.Column("payment_terms_days", sa.Integer, nullable=False),
    sa.Column("list_total", sa.Numeric(18, 2), nullable=False),
    sa.Column("discount_total", sa.Numeric(18, 2), nullable=False),
    sa.Column("net_total", sa.Numeric(18, 2), nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.Column("traceparent", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("accepted_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("opportunity_id", "version", name="uq_quotes_opportunity_version"),
    sa.CheckConstraint("status IN ('draft', 'accepted')", name="ck_quotes_status"),
    sa.CheckConstraint(
        "billing_period IN ('month', 'quarter', 'year')", name="ck_quotes_billing_period"
    ),
    sa.CheckConstraint("net_total = list_total - discount_total", name="ck_quotes_net_total"),
)

quote_lines = sa.Table(
    "quote_lines",
    metadata,
    sa.Column("quote_id", sa.Uuid, sa.ForeignKey("quotes.id"), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("product_code", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("charge", sa.Text, nullable=False),
    sa.Column("billing_period", sa.Text),
    sa.Column("quantity", sa.Numeric, nullable=False),
    sa.Column("unit_price", sa.Numeric, nullable=False),
    sa.Column("list_amount", sa.Numeric(18, 2), nullable=False),
    sa.Column("discount_percent", sa.Numeric, nullable=False),
    sa.Column("discount_amount", sa.Numeric(18, 2), nullable=False),
    sa.Column("net_amount", sa.Numeric(18, 2), nullable=False),
    sa.CheckConstraint(
        "discount_amount BETWEEN 0 AND list_amount", name="ck_quote_lines_discount_amount"
    ),
    sa.CheckConstraint(
        "net_amount = list_amount - discount_amount", name="ck_quote_lines_net_amount"
    ),
)
