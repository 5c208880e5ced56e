"""refunds and write-offs by hand: their tables, the refund id and the new kinds of postings

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

STATEMENTS = (
    "ALTER TABLE postings ADD COLUMN IF NOT EXISTS refund_id UUID",
    "CREATE INDEX IF NOT EXISTS ix_postings_refund_id ON postings (refund_id)",
    "ALTER TABLE postings DROP CONSTRAINT IF EXISTS ck_posting_kind",
    """
    ALTER TABLE postings ADD CONSTRAINT ck_posting_kind CHECK (kind IN ('invoice', 'payment',
        'application', 'unapplication', 'credit', 'write_off', 'void', 'refund',
        'refund_reversal', 'write_off_reversal'))
    """,
    """
    CREATE TABLE IF NOT EXISTS refunds (
        refund_id UUID NOT NULL,
        account_id UUID NOT NULL,
        lead_id UUID NOT NULL,
        payment_id UUID,
        currency VARCHAR(3) NOT NULL,
        amount NUMERIC(18, 2) NOT NULL,
        reason TEXT NOT NULL,
        status TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        requested_at TIMESTAMP WITH TIME ZONE NOT NULL,
        settled_at TIMESTAMP WITH TIME ZONE,
        gateway_reference TEXT,
        failure_reason TEXT,
        PRIMARY KEY (refund_id),
        FOREIGN KEY (payment_id) REFERENCES payments (id),
        CONSTRAINT ck_refund_amount CHECK (amount > 0),
        CONSTRAINT ck_refund_status CHECK (status IN ('requested', 'completed', 'failed'))
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_refunds_account_id ON refunds (account_id)",
    "CREATE INDEX IF NOT EXISTS ix_refunds_payment_id ON refunds (payment_id)",
    """
    CREATE TABLE IF NOT EXISTS write_offs (
        write_off_id UUID NOT NULL,
        invoice_id UUID NOT NULL,
        account_id UUID NOT NULL,
        currency VARCHAR(3) NOT NULL,
        amount NUMERIC(18, 2) NOT NULL,
        reason TEXT NOT NULL,
        status TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        requested_at TIMESTAMP WITH TIME ZONE NOT NULL,
        decided_by TEXT,
        decided_at TIMESTAMP WITH TIME ZONE,
        decision_reason TEXT,
        reversed_by TEXT,
        reversed_at TIMESTAMP WITH TIME ZONE,
        reversal_reason TEXT,
        PRIMARY KEY (write_off_id),
        FOREIGN KEY (invoice_id) REFERENCES receivables (invoice_id),
        CONSTRAINT ck_write_off_amount CHECK (amount > 0),
        CONSTRAINT ck_write_off_status
            CHECK (status IN ('pending_approval', 'written_off', 'rejected', 'reversed'))
    )
    """,
    "CREATE INDEX IF NOT EXISTS ix_write_offs_invoice_id ON write_offs (invoice_id)",
    "CREATE INDEX IF NOT EXISTS ix_write_offs_account_id ON write_offs (account_id)",
    """
    CREATE UNIQUE INDEX IF NOT EXISTS ux_write_offs_one_pending
        ON write_offs (invoice_id) WHERE status = 'pending_approval'
    """,
)


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    # The subledger is append-only: refuse rather than drop postings of the new kinds.
    op.execute(
        """
        DO $$ BEGIN
            IF EXISTS (SELECT 1 FROM postings
                       WHERE kind IN ('refund', 'refund_reversal', 'write_off_reversal')) THEN
                RAISE EXCEPTION 'postings of refunds or reversed write-offs exist';
            END IF;
        END $$
        """
    )
    op.execute("DROP TABLE IF EXISTS write_offs")
    op.execute("DROP TABLE IF EXISTS refunds")
    op.execute("ALTER TABLE postings DROP CONSTRAINT IF EXISTS ck_posting_kind")
    op.execute(
        "ALTER TABLE postings ADD CONSTRAINT ck_posting_kind CHECK (kind IN ('invoice', 'payment',"
        " 'application', 'unapplication', 'credit', 'write_off', 'void'))"
    )
    op.execute("DROP INDEX IF EXISTS ix_postings_refund_id")
    op.execute("ALTER TABLE postings DROP COLUMN IF EXISTS refund_id")
