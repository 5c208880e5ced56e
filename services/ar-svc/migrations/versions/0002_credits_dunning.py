"""credit notes, applications and reversals, voids, dunning progress, delinquencies

Revision ID: 0002
Revises: 0001

Every step is "if not exists", so running it again changes nothing.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

POSTING_KINDS = (
    "kind IN ('invoice', 'payment', 'application', 'unapplication', 'credit', 'write_off', 'void')"
)

STATEMENTS = (
    """
    CREATE TABLE IF NOT EXISTS credit_notes (
        credit_note_id UUID NOT NULL,
        credit_note_number TEXT NOT NULL,
        lead_id UUID NOT NULL,
        account_id UUID NOT NULL,
        invoice_id UUID,
        currency VARCHAR(3) NOT NULL,
        amount NUMERIC(18, 2) NOT NULL,
        reason TEXT NOT NULL,
        issued_at TIMESTAMP WITH TIME ZONE NOT NULL,
        traceparent TEXT,
        PRIMARY KEY (credit_note_id),
        CONSTRAINT ck_credit_note_amount CHECK (amount > 0)
    )
    """,
    """
    CREATE INDEX IF NOT EXISTS ix_credit_notes_account_id ON credit_notes (account_id)
    """,
    """
    CREATE TABLE IF NOT EXISTS delinquencies (
        account_id UUID NOT NULL,
        invoice_id UUID NOT NULL,
        since TIMESTAMP WITH TIME ZONE NOT NULL,
        cleared_at TIMESTAMP WITH TIME ZONE,
        PRIMARY KEY (account_id)
    )
    """,
)


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)
    for statement in (
        "ALTER TABLE receivables ADD COLUMN IF NOT EXISTS dunning_step integer NOT NULL DEFAULT 0",
        "ALTER TABLE receivables ADD COLUMN IF NOT EXISTS overdue_at timestamptz",
        "ALTER TABLE receivables ADD COLUMN IF NOT EXISTS dunning_checked_on date",
        "ALTER TABLE receivables ADD COLUMN IF NOT EXISTS closed_at timestamptz",
        "ALTER TABLE postings ADD COLUMN IF NOT EXISTS credit_note_id uuid"
        " REFERENCES credit_notes (credit_note_id)",
        "ALTER TABLE postings ADD COLUMN IF NOT EXISTS application_id uuid",
        "CREATE INDEX IF NOT EXISTS ix_postings_application_id ON postings (application_id)",
        "CREATE INDEX IF NOT EXISTS ix_receivables_dunning ON receivables (due_date)"
        " WHERE status = 'open'",
        "ALTER TABLE postings DROP CONSTRAINT IF EXISTS ck_posting_kind",
        f"ALTER TABLE postings ADD CONSTRAINT ck_posting_kind CHECK ({POSTING_KINDS})",
    ):
        op.execute(statement)


def downgrade() -> None:
    op.execute("ALTER TABLE postings DROP COLUMN IF EXISTS application_id")
    op.execute("ALTER TABLE postings DROP COLUMN IF EXISTS credit_note_id")
    for column in ("dunning_step", "overdue_at", "dunning_checked_on", "closed_at"):
        op.execute(f"ALTER TABLE receivables DROP COLUMN IF EXISTS {column}")
    op.execute("DROP TABLE IF EXISTS delinquencies")
    op.execute("DROP TABLE IF EXISTS credit_notes")
