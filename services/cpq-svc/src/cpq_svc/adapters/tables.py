"""cpq-svc's tables (mirrors the migrations)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()
Json = JSONB(none_as_null=True)

products = sa.Table(
    "products",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("charge", sa.Text, nullable=False),
    sa.Column("billing_period", sa.Text),
    sa.Column("kind", sa.Text, nullable=False, server_default="plan"),
    sa.Column("family", sa.Text),
    sa.Column("unit", sa.Text),
    sa.Column("usage_metric", sa.Text),
)

price_books = sa.Table(
    "price_books",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("segment", sa.Text, nullable=False, unique=True),
    sa.Column("description", sa.Text, nullable=False),
)

price_book_entries = sa.Table(
    "price_book_entries",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("price_book", sa.Text, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("product_code", sa.Text, sa.ForeignKey("products.code"), nullable=False),
    sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
    # The per-unit, flat or per-package amount (unused by tiered models).
    sa.Column("effective_from", sa.Date, nullable=False),
    sa.Column("pricing_model", sa.Text, nullable=False, server_default="per_unit"),
    sa.Column("tiers", Json),
    sa.Column("package_size", sa.Numeric),
    sa.UniqueConstraint(
        "price_book", "currency", "product_code", "effective_from", name="uq_price_book_entries"
    ),
)

bundle_components = sa.Table(
    "bundle_components",
    metadata,
    sa.Column("bundle_code", sa.Text, sa.ForeignKey("products.code"), primary_key=True),
    sa.Column("product_code", sa.Text, sa.ForeignKey("products.code"), primary_key=True),
    sa.Column("quantity", sa.Numeric, nullable=False),
    sa.Column("required", sa.Boolean, nullable=False),
)

configuration_rules = sa.Table(
    "configuration_rules",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("product_code", sa.Text, sa.ForeignKey("products.code"), nullable=False),
    sa.Column("other_code", sa.Text, sa.ForeignKey("products.code")),
    sa.Column("min_quantity", sa.Numeric),
    sa.Column("max_quantity", sa.Numeric),
)

volume_discounts = sa.Table(
    "volume_discounts",
    metadata,
    sa.Column("product_code", sa.Text, sa.ForeignKey("products.code"), primary_key=True),
    sa.Column("min_quantity", sa.Numeric, primary_key=True),
    sa.Column("percent", sa.Numeric, nullable=False),
)

term_discounts = sa.Table(
    "term_discounts",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("billing_period", sa.Text),
    sa.Column("min_term_months", sa.Integer),
    sa.Column("percent", sa.Numeric, nullable=False),
)

approval_thresholds = sa.Table(
    "approval_thresholds",
    metadata,
    sa.Column("step_no", sa.Integer, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("above_percent", sa.Numeric, nullable=False),
)

opportunities = sa.Table(
    "opportunities",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("account_id", sa.Uuid, nullable=False),
    sa.Column("account_name", sa.Text, nullable=False),
    sa.Column("traceparent", sa.Text),
    sa.Column("owner", sa.Text),
    sa.Column("team", sa.Text),
)

quotes = sa.Table(
    "quotes",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("opportunity_id", sa.Uuid, sa.ForeignKey("opportunities.id"), nullable=False),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("owner", sa.Text),
    sa.Column("team", sa.Text, index=True),
    sa.Column("created_by", sa.Text),
    sa.Column("account_id", sa.Uuid, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("currency", sa.Text, nullable=False),
    sa.Column("term_months", sa.Integer, nullable=False),
    sa.Column("billing_period", sa.Text, nullable=False),
    sa.Column("payment_terms_days", sa.Integer, nullable=False),
    # 0008: a free trial from the contract's start, and whether it needs a payment method
    sa.Column("trial_days", sa.Integer, nullable=False, server_default="0"),
    sa.Column(
        "trial_requires_payment_method", sa.Boolean, nullable=False, server_default=sa.false()
    ),
    sa.Column("list_total", sa.Numeric(18, 2), nullable=False),
    sa.Column("discount_total", sa.Numeric(18, 2), nullable=False),
    sa.Column("net_total", sa.Numeric(18, 2), nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.Column("traceparent", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("accepted_at", sa.DateTime(timezone=True)),
    sa.Column("price_book", sa.Text, nullable=False, server_default="standard"),
    sa.Column("priced_on", sa.Date),
    sa.Column("quote_discount_percent", sa.Numeric, nullable=False, server_default="0"),
    sa.Column("discretionary_percent", sa.Numeric, nullable=False, server_default="0"),
    # The highest discretionary discount on a line: what the approval policy judged.
    sa.Column("policy_limit_percent", sa.Numeric),
    # The discount the policy allowed without approval when the quote was priced.
    sa.Column("generation_ms", sa.Numeric),
    # How long configuring and pricing the quote took (a RevOps metric).
    sa.Column("revision_of", sa.Uuid, sa.ForeignKey("quotes.id")),
    sa.Column("approved_at", sa.DateTime(timezone=True)),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Column("rejected_at", sa.DateTime(timezone=True)),
    sa.Column("expired_at", sa.DateTime(timezone=True)),
    sa.Column("superseded_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("opportunity_id", "version", name="uq_quotes_opportunity_version"),
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
    sa.Column("pricing_model", sa.Text, nullable=False, server_default="per_unit"),
    sa.Column("waterfall", Json, nullable=False),
    sa.Column("bundle_code", sa.Text),
    sa.Column("price", Json),
    # The price book entry the line was priced with, frozen.
)

quote_usage_rates = sa.Table(
    "quote_usage_rates",
    metadata,
    sa.Column("quote_id", sa.Uuid, sa.ForeignKey("quotes.id"), primary_key=True),
    sa.Column("product_code", sa.Text, primary_key=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("metric", sa.Text, nullable=False),
    sa.Column("unit", sa.Text, nullable=False),
    sa.Column("billing_period", sa.Text, nullable=False),
    sa.Column("price", Json, nullable=False),
)

quote_approvals = sa.Table(
    "quote_approvals",
    metadata,
    sa.Column("quote_id", sa.Uuid, sa.ForeignKey("quotes.id"), primary_key=True),
    sa.Column("step_no", sa.Integer, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("threshold_percent", sa.Numeric, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("actor", sa.Text),
    sa.Column("comment", sa.Text),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
)

approval_audit = sa.Table(
    "approval_audit",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("quote_id", sa.Uuid, sa.ForeignKey("quotes.id"), nullable=False),
    sa.Column("step_no", sa.Integer, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("decision", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
)


# Declared so that the code describes the database its migrations build (checked by
# tests/integration/test_migrations_match_tables.py); the migrations create them.
sa.Index(
    "ix_quotes_open_valid_until",
    quotes.c.valid_until,
    postgresql_where=sa.text("status IN ('draft', 'pending_approval', 'approved', 'sent')"),
)
