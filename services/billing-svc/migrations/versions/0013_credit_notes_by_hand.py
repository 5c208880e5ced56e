"""credit notes by hand: requests (approval above a threshold) and the lines they credited

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

STATEMENTS = (
    """
    CREATE TABLE IF NOT EXISTS credit_note_requests (
        id UUID NOT NULL,
        invoice_id UUID NOT NULL,
        account_id UUID NOT NULL,
        currency VARCHAR(3) NOT NULL,
        lines JSONB NOT NULL,
        subtotal NUMERIC(18, 2) NOT NULL,
        tax_total NUMERIC(18, 2) NOT NULL,
        total NUMERIC(18, 2) NOT NULL,
        reason TEXT NOT NULL,
        status TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        requested_at TIMESTAMP WITH TIME ZONE NOT NULL,
        decided_by TEXT,
        decided_at TIMESTAMP WITH TIME ZONE,
        decision_reason TEXT,
        credit_note_id UUID,
        PRIMARY KEY (id),
        FOREIGN KEY (invoice_id) REFERENCES invoices (id),
        FOREIGN KEY (credit_note_id) REFERENCES credit_notes (id),
        CONSTRAINT ck_credit_request_total CHECK (total > 0),
        CONSTRAINT ck_credit_request_status
            CHECK (status IN ('pending_approval', 'issued', 'rejected'))
    )
    """,
    """CREATE INDEX IF NOT EXISTS ix_credit_note_requests_invoice_id
        ON credit_note_requests (invoice_id)""",
    """CREATE INDEX IF NOT EXISTS ix_credit_note_requests_account_id
        ON credit_note_requests (account_id)""",
    """
    CREATE TABLE IF NOT EXISTS credited_invoice_lines (
        credit_note_id UUID NOT NULL,
        line_no INTEGER NOT NULL,
        invoice_id UUID NOT NULL,
        amount NUMERIC(18, 2) NOT NULL,
        PRIMARY KEY (credit_note_id, line_no),
        FOREIGN KEY (credit_note_id) REFERENCES credit_notes (id),
        FOREIGN KEY (invoice_id) REFERENCES invoices (id),
        CONSTRAINT ck_credited_line_amount CHECK (amount > 0)
    )
    """,
    """CREATE INDEX IF NOT EXISTS ix_credited_invoice_lines_invoice_id
        ON credited_invoice_lines (invoice_id)""",
)


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS credited_invoice_lines")
    op.execute("DROP TABLE IF EXISTS credit_note_requests")
