"""billing-svc's tables. Money columns are NUMERIC; an invoice per subscription and period is
unique, and invoice numbers come from a per-year counter updated in the issuing transaction."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

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
    sa.Column("next_period_index", sa.Integer, nullable=False, server_default="0"),
    sa.Column("billing_timing", sa.Text, nullable=False, server_default="in_advance"),
    sa.Column("trial_end", sa.Date),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("traceparent", sa.Text),
    sa.Column("activated_at", sa.DateTime(timezone=True), nullable=False),
    # Added by migration 0005: false leaves the billing run's invoices as drafts.
    sa.Column("auto_finalize", sa.Boolean, nullable=False, server_default=sa.true()),
    # Added by migration 0006: the last day of service of a terminated contract.
    sa.Column("terminated_on", sa.Date),
    sa.Column("termination_reason", sa.Text),
    # Added by migration 0012: the trial's payment-method flag and its two notices.
    sa.Column(
        "trial_requires_payment_method", sa.Boolean, nullable=False, server_default=sa.false()
    ),
    sa.Column("trial_ending_notified_at", sa.DateTime(timezone=True)),
    sa.Column("trial_ended_at", sa.DateTime(timezone=True)),
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
    sa.Column("invoice_number", sa.Text, unique=True),  # none while a draft
    sa.Column("subscription_id", sa.Uuid, sa.ForeignKey("subscriptions.id"), nullable=False),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("account_id", sa.Uuid, nullable=False),
    sa.Column("customer_name", sa.Text, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("issue_date", sa.Date),
    sa.Column("due_date", sa.Date),
    sa.Column("subtotal", MONEY, nullable=False),
    sa.Column("tax_total", MONEY, nullable=False),
    sa.Column("total", MONEY, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("traceparent", sa.Text),
    sa.Column("issued_at", sa.DateTime(timezone=True)),
    sa.Column("paid_at", sa.DateTime(timezone=True)),
    sa.Column("tax_jurisdiction", sa.Text),
    sa.Column("tax_rate", sa.Numeric(9, 6), nullable=False, server_default="0"),
    sa.Column("voided_at", sa.DateTime(timezone=True)),
    sa.Column("void_reason", sa.Text),
    sa.Column("drafted_at", sa.DateTime(timezone=True)),  # migration 0005
    sa.UniqueConstraint("subscription_id", "period_start", name="uq_invoice_per_period"),
    sa.CheckConstraint("total = subtotal + tax_total", name="ck_invoice_total"),
    # Migration 0005 adds ck_invoice_numbered_when_issued: number and dates come together, when
    # the invoice is issued; only a draft (or a draft voided unissued) has none.
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
    sa.Column("kind", sa.Text, nullable=False, server_default="recurring"),
)

invoice_number_sequences = sa.Table(
    "invoice_number_sequences",
    metadata,
    sa.Column("legal_entity", sa.Text, primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last_number", sa.Integer, nullable=False),
)

# Added by migration 0003: what the billing run's claim and its batch reads look up.
sa.Index(
    "ix_subscriptions_due",
    subscriptions.c.next_period_start,
    subscriptions.c.id,
    postgresql_where=subscriptions.c.status == "active",
)
# Added by migration 0012: subscriptions whose trial the trial job has still to follow.
sa.Index(
    "ix_subscriptions_in_trial",
    subscriptions.c.trial_end,
    subscriptions.c.id,
    postgresql_where=sa.and_(
        subscriptions.c.trial_ended_at.is_(None),
        subscriptions.c.trial_end.is_not(None),
        subscriptions.c.status == "active",
    ),
)

# --- added by migration 0002: amendments, prorations, usage, taxes, credit notes, revenue ---

subscription_amendments = sa.Table(
    "subscription_amendments",
    metadata,
    sa.Column("amendment_id", sa.Uuid, primary_key=True),
    sa.Column("subscription_id", sa.Uuid, sa.ForeignKey("subscriptions.id"), nullable=False),
    sa.Column("effective_date", sa.Date, nullable=False),
    sa.Column("lines", JSONB, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("applied_at", sa.DateTime(timezone=True)),
    sa.Column("reason", sa.Text, nullable=False, server_default=""),  # migration 0012
)

# Added by migration 0006: the terms a subscription was renewed for (lines: the amendment).
subscription_renewals = sa.Table(
    "subscription_renewals",
    metadata,
    sa.Column("subscription_id", sa.Uuid, sa.ForeignKey("subscriptions.id"), primary_key=True),
    sa.Column("start_date", sa.Date, primary_key=True),
    sa.Column("end_date", sa.Date, nullable=False),
    sa.Column("uplift_percent", sa.Numeric(9, 4), nullable=False),
    sa.Column("amendment_id", sa.Uuid, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)

billing_adjustments = sa.Table(
    "billing_adjustments",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("subscription_id", sa.Uuid, sa.ForeignKey("subscriptions.id"), nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("product_code", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("quantity", sa.Numeric(18, 4), nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("billed_invoice_id", sa.Uuid),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

usage_plans = sa.Table(
    "usage_plans",
    metadata,
    sa.Column("metric", sa.Text, primary_key=True),
    sa.Column("currency", sa.String(3), primary_key=True),
    sa.Column("product_code", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("aggregation", sa.Text, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("tiers", JSONB, nullable=False),
    sa.Column("package_size", sa.Numeric(18, 4), nullable=False),
    sa.Column("package_price", sa.Numeric(18, 4), nullable=False),
)

subscription_usage_prices = sa.Table(
    "subscription_usage_prices",
    metadata,
    sa.Column("subscription_id", sa.Uuid, sa.ForeignKey("subscriptions.id"), primary_key=True),
    sa.Column("effective_from", sa.Date, primary_key=True),
    sa.Column("rates", JSONB, nullable=False),
    # The usage rates (l2c_schemas.cpq.UsageRate as JSON) the order or an amendment carried.
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)

usage_events = sa.Table(
    "usage_events",
    metadata,
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("subscription_id", sa.Uuid, sa.ForeignKey("subscriptions.id"), nullable=False),
    sa.Column("metric", sa.Text, nullable=False),
    sa.Column("quantity", sa.Numeric(24, 6), nullable=False),
    sa.Column("unique_key", sa.Text),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("billed_invoice_id", sa.Uuid),
)

usage_pending = sa.Table(
    "usage_pending",
    metadata,
    sa.Column("event_id", sa.Text, primary_key=True),
    sa.Column("account_id", sa.Uuid, nullable=False),
    sa.Column("metric", sa.Text, nullable=False),
    sa.Column("quantity", sa.Numeric(24, 6), nullable=False),
    sa.Column("unique_key", sa.Text),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
)
"""Usage addressed to an account with no subscription yet (it arrived before the order):
kept, and filed when the account's subscription is activated."""
sa.Index(
    "ix_usage_unbilled",
    usage_events.c.subscription_id,
    postgresql_where=usage_events.c.billed_invoice_id.is_(None),
)

tax_rates = sa.Table(
    "tax_rates",
    metadata,
    sa.Column("jurisdiction", sa.Text, primary_key=True),
    sa.Column("rate", sa.Numeric(9, 6), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
)

account_tax_jurisdictions = sa.Table(
    "account_tax_jurisdictions",
    metadata,
    sa.Column("account_id", sa.Uuid, primary_key=True),
    sa.Column("jurisdiction", sa.Text, nullable=False),
)

credit_notes = sa.Table(
    "credit_notes",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("credit_note_number", sa.Text, nullable=False, unique=True),
    sa.Column("invoice_id", sa.Uuid, sa.ForeignKey("invoices.id")),
    sa.Column("subscription_id", sa.Uuid, sa.ForeignKey("subscriptions.id"), nullable=False),
    sa.Column("account_id", sa.Uuid, nullable=False),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("subtotal", MONEY, nullable=False),
    sa.Column("tax_total", MONEY, nullable=False),
    sa.Column("total", MONEY, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("lines", JSONB, nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
)

# (0012) Credit notes by hand: each request (issued at once, or waiting for a second finance
# user above the approval threshold) and what each credit note by hand credited per line.
credit_note_requests = sa.Table(
    "credit_note_requests",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("invoice_id", sa.Uuid, sa.ForeignKey("invoices.id"), nullable=False, index=True),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("lines", JSONB, nullable=False),
    sa.Column("subtotal", MONEY, nullable=False),
    sa.Column("tax_total", MONEY, nullable=False),
    sa.Column("total", MONEY, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("requested_by", sa.Text, nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_by", sa.Text),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.Column("decision_reason", sa.Text),
    sa.Column("credit_note_id", sa.Uuid, sa.ForeignKey("credit_notes.id")),
    sa.CheckConstraint("total > 0", name="ck_credit_request_total"),
    sa.CheckConstraint(
        "status IN ('pending_approval', 'issued', 'rejected')", name="ck_credit_request_status"
    ),
)

credited_invoice_lines = sa.Table(
    "credited_invoice_lines",
    metadata,
    sa.Column("credit_note_id", sa.Uuid, sa.ForeignKey("credit_notes.id"), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("invoice_id", sa.Uuid, sa.ForeignKey("invoices.id"), nullable=False, index=True),
    sa.Column("amount", MONEY, nullable=False),
    sa.CheckConstraint("amount > 0", name="ck_credited_line_amount"),
)

revenue_schedule = sa.Table(
    "revenue_schedule",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("document_id", sa.Uuid, nullable=False),
    sa.Column("line_no", sa.Integer, nullable=False),
    sa.Column("subscription_id", sa.Uuid, nullable=False),
    sa.Column("account_id", sa.Uuid, nullable=False),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("billed_on", sa.Date, nullable=False),
    sa.Column("month", sa.Date, nullable=False),
    sa.Column("amount", MONEY, nullable=False),
)
sa.Index("ix_revenue_schedule_month", revenue_schedule.c.month)

revenue_closes = sa.Table(
    "revenue_closes",
    metadata,
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
)
sa.Index(
    "ix_adjustments_unbilled",
    billing_adjustments.c.subscription_id,
    postgresql_where=billing_adjustments.c.billed_invoice_id.is_(None),
)
sa.Index(
    "ix_amendments_pending",
    subscription_amendments.c.subscription_id,
    postgresql_where=subscription_amendments.c.applied_at.is_(None),
)


# Declared so that the code describes the database its migrations build (checked by
# tests/integration/test_migrations_match_tables.py); the migrations create them.
sa.Index("ix_usage_pending_account", usage_pending.c.account_id)
