"""disputes: an invoice's disputes, at most one open at a time (dunning pauses for it)

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

STATEMENTS = (
    """
    CREATE TABLE IF NOT EXISTS disputes (
        dispute_id UUID NOT NULL,
        invoice_id UUID NOT NULL,
        lead_id UUID NOT NULL,
        account_id UUID NOT NULL,
        currency VARCHAR(3) NOT NULL,
        amount NUMERIC(18, 2) NOT NULL,
        reason TEXT NOT NULL,
        opened_by TEXT NOT NULL,
        opened_by_subject TEXT,
        opened_at TIMESTAMP WITH TIME ZONE NOT NULL,
        status TEXT NOT NULL,
        resolution_reason TEXT,
        resolved_by TEXT,
        resolved_at TIMESTAMP WITH TIME ZONE,
        credit_note_id UUID,
        PRIMARY KEY (dispute_id),
        FOREIGN KEY (invoice_id) REFERENCES receivables (invoice_id),
        FOREIGN KEY (credit_note_id) REFERENCES credit_notes (credit_note_id),
        CONSTRAINT ck_dispute_amount CHECK (amount > 0),
        CONSTRAINT ck_dispute_status CHECK (status IN ('open', 'upheld', 'rejected')),
        CONSTRAINT ck_dispute_opened_by CHECK (opened_by IN ('customer', 'finance'))
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_disputes_invoice_id ON disputes (invoice_id)",
    "CREATE INDEX IF NOT EXISTS ix_disputes_account_id ON disputes (account_id)",
    """
    CREATE UNIQUE INDEX IF NOT EXISTS ux_disputes_one_open
        ON disputes (invoice_id) WHERE status = 'open'
    """,
)


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS disputes")
