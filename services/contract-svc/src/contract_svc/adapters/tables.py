"""contract-svc's tables (migrations 0001 and 0002)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

metadata = sa.MetaData()

MONEY = sa.Numeric(18, 2)
PERCENT = sa.Numeric(7, 4)
TIMESTAMP = sa.DateTime(timezone=True)

contract_policies = sa.Table(
    "contract_policies",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("auto_renew", sa.Boolean, nullable=False),
    sa.Column("uplift_percent", PERCENT, nullable=False),
    sa.Column("renewal_notice_days", sa.Integer, nullable=False),
    sa.Column("billing_timing", sa.Text, nullable=False),
    sa.Column("max_standard_payment_terms_days", sa.Integer, nullable=False),
    sa.Column("termination_notice_days", sa.Integer, nullable=False),
    sa.Column("automatic_countersignature", sa.Boolean, nullable=False),
)

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
    sa.Column("signed_at", TIMESTAMP),
    sa.Column("traceparent", sa.Text),
    sa.Column("drafted_at", TIMESTAMP, nullable=False),
    # 0002: terms, approvals, countersignature, activation, renewal, termination
    sa.Column("billing_timing", sa.Text, nullable=False),
    sa.Column("auto_renew", sa.Boolean, nullable=False),
    sa.Column("uplift_percent", PERCENT, nullable=False),
    sa.Column("renewal_notice_days", sa.Integer, nullable=False),
    sa.Column("termination_notice_days", sa.Integer, nullable=False),
    sa.Column("automatic_countersignature", sa.Boolean, nullable=False),
    sa.Column("approval_status", sa.Text, nullable=False),
    # 0007: a free trial from the start (days), and whether it needs a payment method
    sa.Column("trial_days", sa.Integer, nullable=False, server_default="0"),
    sa.Column(
        "trial_requires_payment_method", sa.Boolean, nullable=False, server_default=sa.false()
    ),
    sa.Column("term_number", sa.Integer, nullable=False),
    sa.Column("term_start_date", sa.Date, nullable=False),
    sa.Column("countersigned_by", sa.Text),
    sa.Column("countersigned_at", TIMESTAMP),
    sa.Column("activated_at", TIMESTAMP),
    sa.Column("terminated_at", TIMESTAMP),
    sa.Column("termination_effective_date", sa.Date),
    sa.Column("termination_reason", sa.Text),
    # 0008: the accepted quote's usage rates (l2c_schemas.cpq.UsageRate as JSON)
    sa.Column("usage_rates", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
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
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), nullable=False, unique=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("placed_at", TIMESTAMP, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("last_failure", sa.Text),
    sa.Column("provisioned_at", TIMESTAMP),
    sa.Column("updated_at", TIMESTAMP),
)

clause_templates = sa.Table(
    "clause_templates",
    metadata,
    sa.Column("code", sa.Text, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("included_by_default", sa.Boolean, nullable=False),
)

contract_clauses = sa.Table(
    "contract_clauses",
    metadata,
    sa.Column("contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), primary_key=True),
    sa.Column("clause_no", sa.Integer, primary_key=True),
    sa.Column("template_code", sa.Text, sa.ForeignKey("clause_templates.code")),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

contract_approvals = sa.Table(
    "contract_approvals",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("step_no", sa.Integer, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("requested_at", TIMESTAMP, nullable=False),
    sa.Column("requested_by", sa.Text),
    sa.Column("decided_by", sa.Text),
    sa.Column("comment", sa.Text),
    sa.Column("decided_at", TIMESTAMP),
)

signatures = sa.Table(
    "signatures",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), nullable=False),
    sa.Column("party", sa.Text, nullable=False),
    sa.Column("signer", sa.Text, nullable=False),
    sa.Column("signed_at", TIMESTAMP, nullable=False),
    sa.Column("ip_address", sa.Text),
    sa.Column("document_hash", sa.Text, nullable=False),
    sa.Column("envelope_id", sa.Text, unique=True),
    sa.Column("channel", sa.Text, nullable=False),
    sa.Column("recorded_at", TIMESTAMP, nullable=False),
)

amendments = sa.Table(
    "contract_amendments",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), nullable=False),
    sa.Column("effective_date", sa.Date, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("lines", JSONB, nullable=False),
    sa.Column("amended_at", TIMESTAMP, nullable=False),
)

renewal_notices = sa.Table(
    "renewal_notices",
    metadata,
    sa.Column("contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), primary_key=True),
    sa.Column("term_number", sa.Integer, primary_key=True),
    sa.Column("renewal_value", MONEY, nullable=False),
    sa.Column("due_at", TIMESTAMP, nullable=False),
)

renewals = sa.Table(
    "contract_renewals",
    metadata,
    sa.Column("contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), primary_key=True),
    sa.Column("term_number", sa.Integer, primary_key=True),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("end_date", sa.Date, nullable=False),
    sa.Column("uplift_percent", PERCENT, nullable=False),
    sa.Column("automatic", sa.Boolean, nullable=False),
    sa.Column("renewed_at", TIMESTAMP, nullable=False),
)


# Declared so that the code describes the database its migrations build (checked by
# tests/integration/test_migrations_match_tables.py); the migrations create them.
sa.Index("ix_contracts_opportunity_id", contracts.c.opportunity_id)
sa.Index("ix_contracts_status_end_date", contracts.c.status, contracts.c.end_date)
sa.Index("ix_contract_amendments_contract_id", amendments.c.contract_id)
contract_approvals.append_constraint(
    sa.UniqueConstraint("contract_id", "round", "step_no", name="uq_contract_approvals_step")
)
signatures.append_constraint(
    sa.UniqueConstraint("contract_id", "party", name="uq_signatures_party")
)
