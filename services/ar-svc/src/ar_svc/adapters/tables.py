"""ar-svc's subledger. Every movement of money is a posting; balances are sums of postings:
an invoice's balance is the sum of its postings, unapplied cash is minus the sum of the
account's postings that belong to no invoice, the account balance is the sum of all."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
MONEY = sa.Numeric(18, 2)

receivables = sa.Table(
    "receivables",
    metadata,
    sa.Column("invoice_id", sa.Uuid, primary_key=True),
    sa.Column("invoice_number", sa.Text, nullable=False, unique=True),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("issue_date", sa.Date, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("traceparent", sa.Text),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("paid_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("amount >= 0", name="ck_receivable_amount"),
)

payments = sa.Table(
    "payments",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("external_reference", sa.Text, nullable=False, unique=True),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("method", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("invoice_reference", sa.Text),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("amount > 0", name="ck_payment_amount"),
)

postings = sa.Table(
    "postings",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("invoice_id", sa.Uuid, sa.ForeignKey("receivables.invoice_id"), index=True),
    sa.Column("payment_id", sa.Uuid, sa.ForeignKey("payments.id")),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(
        "kind IN ('invoice', 'payment', 'application', 'credit', 'write_off')",
        name="ck_posting_kind",
    ),
)
