"""credit notes, applications and reversals, voids, dunning progress, delinquencies

Revision ID: 0002
Revises: 0001

0001 builds the tables module as it stands, so a fresh database may already have all of
this: every step here is written to be a no-op then.
"""

from alembic import op

from ar_svc.adapters.tables import POSTING_KINDS, credit_notes, delinquencies

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    credit_notes.create(bind, checkfirst=True)
    delinquencies.create(bind, checkfirst=True)
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
    delinquencies.drop(op.get_bind(), checkfirst=True)
    credit_notes.drop(op.get_bind(), checkfirst=True)
