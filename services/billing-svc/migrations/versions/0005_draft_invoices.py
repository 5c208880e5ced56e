"""draft invoices: a subscription's invoices are issued by the billing run or left as drafts
for finance to finalize; a draft has no number and no dates until it is issued

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "ALTER TABLE subscriptions"
        " ADD COLUMN IF NOT EXISTS auto_finalize boolean NOT NULL DEFAULT true"
    )
    op.execute(
        "ALTER TABLE invoices"
        " ADD COLUMN IF NOT EXISTS drafted_at timestamptz,"
        " ALTER COLUMN invoice_number DROP NOT NULL,"
        " ALTER COLUMN issue_date DROP NOT NULL,"
        " ALTER COLUMN due_date DROP NOT NULL,"
        " ALTER COLUMN issued_at DROP NOT NULL"
    )
    # A number and the dates come together, when the invoice is issued; only a draft (or a
    # draft voided before it was issued) has none.
    op.execute(
        "ALTER TABLE invoices ADD CONSTRAINT ck_invoice_numbered_when_issued CHECK ("
        " CASE WHEN invoice_number IS NULL"
        "  THEN status IN ('draft', 'void')"
        "   AND issue_date IS NULL AND due_date IS NULL AND issued_at IS NULL"
        "  ELSE status <> 'draft'"
        "   AND issue_date IS NOT NULL AND due_date IS NOT NULL AND issued_at IS NOT NULL"
        " END)"
    )


def downgrade() -> None:
    # Fails while unnumbered invoices exist: finalize or remove them first.
    op.execute("ALTER TABLE invoices DROP CONSTRAINT IF EXISTS ck_invoice_numbered_when_issued")
    op.execute(
        "ALTER TABLE invoices"
        " ALTER COLUMN invoice_number SET NOT NULL,"
        " ALTER COLUMN issue_date SET NOT NULL,"
        " ALTER COLUMN due_date SET NOT NULL,"
        " ALTER COLUMN issued_at SET NOT NULL,"
        " DROP COLUMN IF EXISTS drafted_at"
    )
    op.execute("ALTER TABLE subscriptions DROP COLUMN IF EXISTS auto_finalize")
