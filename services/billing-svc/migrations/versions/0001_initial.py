"""subscriptions, invoices, invoice numbering, outbox and inbox

Revision ID: 0001
Revises:

The schema of the first release, frozen as DDL: later changes to adapters/tables.py come with
revisions of their own, and tests/test_migrations_match_tables.py checks that a database
migrated from empty matches the tables the code declares.
"""

from alembic import op

from l2c_runtime.messaging_tables import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATEMENTS = (
    """
    CREATE TABLE invoice_number_sequences (
        legal_entity TEXT NOT NULL,
        year INTEGER NOT NULL,
        last_number INTEGER NOT NULL,
        PRIMARY KEY (legal_entity, year)
    )
    """,
    """
    CREATE TABLE subscriptions (
        id UUID NOT NULL,
        order_id UUID NOT NULL,
        contract_id UUID NOT NULL,
        lead_id UUID NOT NULL,
        account_id UUID NOT NULL,
        customer_name TEXT NOT NULL,
        currency VARCHAR(3) NOT NULL,
        billing_period TEXT NOT NULL,
        start_date DATE NOT NULL,
        end_date DATE NOT NULL,
        payment_terms_days INTEGER NOT NULL,
        next_period_start DATE,
        status TEXT NOT NULL,
        traceparent TEXT,
        activated_at TIMESTAMP WITH TIME ZONE NOT NULL,
        PRIMARY KEY (id),
        UNIQUE (order_id)
    )
    """,
    """
    CREATE TABLE invoices (
        id UUID NOT NULL,
        invoice_number TEXT NOT NULL,
        subscription_id UUID NOT NULL,
        lead_id UUID NOT NULL,
        account_id UUID NOT NULL,
        customer_name TEXT NOT NULL,
        currency VARCHAR(3) NOT NULL,
        period_start DATE NOT NULL,
        period_end DATE NOT NULL,
        issue_date DATE NOT NULL,
        due_date DATE NOT NULL,
        subtotal NUMERIC(18, 2) NOT NULL,
        tax_total NUMERIC(18, 2) NOT NULL,
        total NUMERIC(18, 2) NOT NULL,
        status TEXT NOT NULL,
        traceparent TEXT,
        issued_at TIMESTAMP WITH TIME ZONE NOT NULL,
        paid_at TIMESTAMP WITH TIME ZONE,
        PRIMARY KEY (id),
        CONSTRAINT uq_invoice_per_period UNIQUE (subscription_id, period_start),
        CONSTRAINT ck_invoice_total CHECK (total = subtotal + tax_total),
        UNIQUE (invoice_number),
        FOREIGN KEY(subscription_id) REFERENCES subscriptions (id)
    )
    """,
    """
    CREATE TABLE subscription_items (
        subscription_id UUID NOT NULL,
        line_no INTEGER NOT NULL,
        product_code TEXT NOT NULL,
        description TEXT NOT NULL,
        charge TEXT NOT NULL,
        quantity NUMERIC(18, 4) NOT NULL,
        unit_price NUMERIC(18, 4) NOT NULL,
        discount_amount NUMERIC(18, 2) NOT NULL,
        net_amount NUMERIC(18, 2) NOT NULL,
        PRIMARY KEY (subscription_id, line_no),
        FOREIGN KEY(subscription_id) REFERENCES subscriptions (id)
    )
    """,
    """
    CREATE TABLE invoice_lines (
        invoice_id UUID NOT NULL,
        line_no INTEGER NOT NULL,
        product_code TEXT NOT NULL,
        description TEXT NOT NULL,
        quantity NUMERIC(18, 4) NOT NULL,
        unit_price NUMERIC(18, 4) NOT NULL,
        discount_amount NUMERIC(18, 2) NOT NULL,
        amount NUMERIC(18, 2) NOT NULL,
        period_start DATE NOT NULL,
        period_end DATE NOT NULL,
        PRIMARY KEY (invoice_id, line_no),
        FOREIGN KEY(invoice_id) REFERENCES invoices (id)
    )
    """,
)


def upgrade() -> None:
    create_messaging_tables(op)
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for table in (
        "invoice_lines",
        "subscription_items",
        "invoices",
        "subscriptions",
        "invoice_number_sequences",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table}")
    drop_messaging_tables(op)
