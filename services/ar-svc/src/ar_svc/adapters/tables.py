"""ar-svc's subledger. Every movement of money is a posting; balances are sums of postings:
an invoice's balance is the sum of its postings, unapplied cash is minus the sum of the
account's postings that belong to no invoice, the account balance is the sum of all."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()
MONEY = sa.Numeric(18, 2)
POSTING_KINDS = (
    "kind IN ('invoice', 'payment', 'application', 'unapplication', 'credit', 'write_off', 'void',"
    " 'refund', 'refund_reversal', 'write_off_reversal')"
)

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
    # Dunning progress (0002): how many steps of the schedule were sent, when it went overdue,
    # the last day the dunning job looked at it.
    sa.Column("dunning_step", sa.Integer, nullable=False, server_default="0"),
    sa.Column("overdue_at", sa.DateTime(timezone=True)),
    sa.Column("dunning_checked_on", sa.Date),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    # (0003) The next day the dunning job has something to do for it; NULL: nothing left.
    sa.Column("next_dunning_on", sa.Date),
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
    # (0005) False while a payment that came before any invoice of its account waits for one:
    # PaymentReceived belongs to a journey, and the first invoice tells which.
    sa.Column("announced", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.CheckConstraint("amount > 0", name="ck_payment_amount"),
)

sa.Index(
    "ix_receivables_next_dunning_on",
    receivables.c.next_dunning_on,
    postgresql_where=receivables.c.status == "open",
)

credit_notes = sa.Table(
    "credit_notes",
    metadata,
    sa.Column("credit_note_id", sa.Uuid, primary_key=True),
    sa.Column("credit_note_number", sa.Text, nullable=False),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("invoice_id", sa.Uuid),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("traceparent", sa.Text),
    sa.CheckConstraint("amount > 0", name="ck_credit_note_amount"),
)

delinquencies = sa.Table(
    "delinquencies",
    metadata,
    sa.Column("account_id", sa.Uuid, primary_key=True),
    sa.Column("invoice_id", sa.Uuid, nullable=False),
    sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    sa.Column("cleared_at", sa.DateTime(timezone=True)),
)

postings = sa.Table(
    "postings",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("invoice_id", sa.Uuid, sa.ForeignKey("receivables.invoice_id"), index=True),
    sa.Column("payment_id", sa.Uuid, sa.ForeignKey("payments.id")),
    sa.Column("credit_note_id", sa.Uuid, sa.ForeignKey("credit_notes.credit_note_id")),
    # Names the pair of postings that applied funds to an invoice (and the pair reversing it).
    sa.Column("application_id", sa.Uuid, index=True),
    # (0010) Names the postings of one refund (and those reversing it when it failed).
    sa.Column("refund_id", sa.Uuid, index=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(
        POSTING_KINDS,
        name="ck_posting_kind",
    ),
)

disputes = sa.Table(
    "disputes",
    metadata,
    sa.Column("dispute_id", sa.Uuid, primary_key=True),
    sa.Column(
        "invoice_id", sa.Uuid, sa.ForeignKey("receivables.invoice_id"), nullable=False, index=True
    ),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("opened_by", sa.Text, nullable=False),
    sa.Column("opened_by_subject", sa.Text),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("resolution_reason", sa.Text),
    sa.Column("resolved_by", sa.Text),
    sa.Column("resolved_at", sa.DateTime(timezone=True)),
    sa.Column("credit_note_id", sa.Uuid, sa.ForeignKey("credit_notes.credit_note_id")),
    sa.CheckConstraint("amount > 0", name="ck_dispute_amount"),
    sa.CheckConstraint("status IN ('open', 'upheld', 'rejected')", name="ck_dispute_status"),
    sa.CheckConstraint("opened_by IN ('customer', 'finance')", name="ck_dispute_opened_by"),
)
sa.Index(
    "ux_disputes_one_open",
    disputes.c.invoice_id,
    unique=True,
    postgresql_where=disputes.c.status == "open",
)

# (0010) Refunds of a payment or of unapplied cash, sent through the payment gateway: the money
# leaves unapplied funds when requested and comes back there if the gateway fails to send it.
refunds = sa.Table(
    "refunds",
    metadata,
    sa.Column("refund_id", sa.Uuid, primary_key=True),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("lead_id", sa.Uuid, nullable=False),
    sa.Column("payment_id", sa.Uuid, sa.ForeignKey("payments.id"), index=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("requested_by", sa.Text, nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("settled_at", sa.DateTime(timezone=True)),
    sa.Column("gateway_reference", sa.Text),
    sa.Column("failure_reason", sa.Text),
    sa.CheckConstraint("amount > 0", name="ck_refund_amount"),
    sa.CheckConstraint("status IN ('requested', 'completed', 'failed')", name="ck_refund_status"),
)

# (0010) Write-offs by hand: requested with a reason, approved by a second finance user,
# reversible. The automatic write-off of dunning has no row here.
write_offs = sa.Table(
    "write_offs",
    metadata,
    sa.Column("write_off_id", sa.Uuid, primary_key=True),
    sa.Column(
        "invoice_id", sa.Uuid, sa.ForeignKey("receivables.invoice_id"), nullable=False, index=True
    ),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("requested_by", sa.Text, nullable=False),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_by", sa.Text),
    sa.Column("decided_at", sa.DateTime(timezone=True)),
    sa.Column("decision_reason", sa.Text),
    sa.Column("reversed_by", sa.Text),
    sa.Column("reversed_at", sa.DateTime(timezone=True)),
    sa.Column("reversal_reason", sa.Text),
    sa.CheckConstraint("amount > 0", name="ck_write_off_amount"),
    sa.CheckConstraint(
        "status IN ('pending_approval', 'written_off', 'rejected', 'reversed')",
        name="ck_write_off_status",
    ),
)
sa.Index(
    "ux_write_offs_one_pending",
    write_offs.c.invoice_id,
    unique=True,
    postgresql_where=write_offs.c.status == "pending_approval",
)

# (0011) Bank statements: each imported statement, each of its lines once (by the statement's
# id and the line's entry reference) with what matching made of it, and the payers' bank
# accounts learnt from lines matched by reference.
bank_statements = sa.Table(
    "bank_statements",
    metadata,
    sa.Column("statement_id", sa.Text, primary_key=True),
    sa.Column("format", sa.Text, nullable=False),
    sa.Column("bank_account", sa.Text),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("imported_by", sa.Text, nullable=False),
    sa.CheckConstraint("format IN ('camt.053', 'csv')", name="ck_bank_statement_format"),
)

bank_statement_lines = sa.Table(
    "bank_statement_lines",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column(
        "statement_id",
        sa.Text,
        sa.ForeignKey("bank_statements.statement_id"),
        nullable=False,
    ),
    sa.Column("entry_reference", sa.Text, nullable=False),
    sa.Column("booking_date", sa.Date, nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("direction", sa.Text, nullable=False),
    sa.Column("payer_name", sa.Text),
    sa.Column("payer_account", sa.Text),
    sa.Column("reference", sa.Text),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("method", sa.Text, nullable=False),
    sa.Column("account_id", sa.Uuid),
    sa.Column("payment_id", sa.Uuid, sa.ForeignKey("payments.id")),
    sa.Column("invoice_number", sa.Text),
    sa.Column("invoice_balance", MONEY),
    sa.Column("applied", MONEY, nullable=False),
    sa.Column("unapplied", MONEY, nullable=False),
    sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("statement_id", "entry_reference", name="uq_bank_statement_line"),
    sa.CheckConstraint("amount > 0", name="ck_bank_statement_line_amount"),
    sa.CheckConstraint("direction IN ('credit', 'debit')", name="ck_bank_statement_line_direction"),
    sa.CheckConstraint(
        "status IN ('matched', 'partly_matched', 'unmatched', 'ignored')",
        name="ck_bank_statement_line_status",
    ),
    sa.CheckConstraint(
        "method IN ('reference', 'amount_and_payer', 'payer', 'none', 'manual')",
        name="ck_bank_statement_line_method",
    ),
    sa.CheckConstraint("applied + unapplied = amount", name="ck_bank_statement_line_cash"),
)
sa.Index(
    "ix_bank_statement_lines_status",
    bank_statement_lines.c.statement_id,
    bank_statement_lines.c.status,
    bank_statement_lines.c.id,
)

payer_accounts = sa.Table(
    "payer_accounts",
    metadata,
    sa.Column("bank_account", sa.Text, primary_key=True),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("learnt_at", sa.DateTime(timezone=True), nullable=False),
)
