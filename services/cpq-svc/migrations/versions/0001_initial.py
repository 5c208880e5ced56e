"""catalog with the standard EUR/USD price book, opportunity references, quotes, outbox, inbox

Revision ID: 0001
Revises:
"""

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from l2c_runtime.messaging_tables import create_messaging_tables, drop_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# code, name, charge, billing period, EUR price, USD price
SEED_CATALOG = [
    ("PLAT-SEAT", "Platform seat", "recurring", "month", "49.00", "55.00"),
    ("ANALYTICS", "Analytics add-on", "recurring", "month", "250.00", "280.00"),
    ("ONBOARD", "Onboarding package", "one_time", None, "1500.00", "1700.00"),
    ("SUPPORT-PREM", "Premium support", "recurring", "month", "199.00", "220.00"),
]
SEED_EFFECTIVE_FROM = date(2020, 1, 1)


def upgrade() -> None:
    create_messaging_tables(op)
    products = op.create_table(
        "products",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("charge", sa.Text, nullable=False),
        sa.Column("billing_period", sa.Text),
        sa.CheckConstraint("charge IN ('recurring', 'one_time')", name="ck_products_charge"),
        sa.CheckConstraint(
            "(charge = 'one_time' AND billing_period IS NULL) OR "
            "(charge = 'recurring' AND billing_period IN ('month', 'quarter', 'year'))",
            name="ck_products_billing_period",
        ),
    )
    price_book_entries = op.create_table(
        "price_book_entries",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("price_book", sa.Text, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("product_code", sa.Text, sa.ForeignKey("products.code"), nullable=False),
        sa.Column("unit_price", sa.Numeric(18, 4), nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.UniqueConstraint(
            "price_book",
            "currency",
            "product_code",
            "effective_from",
            name="uq_price_book_entries",
        ),
        sa.CheckConstraint("unit_price >= 0", name="ck_price_book_entries_unit_price"),
    )
    op.create_table(
        "opportunities",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("lead_id", sa.Uuid, nullable=False),
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("account_name", sa.Text, nullable=False),
        sa.Column("traceparent", sa.Text),
    )
    op.create_table(
        "quotes",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("opportunity_id", sa.Uuid, sa.ForeignKey("opportunities.id"), nullable=False),
        sa.Column("lead_id", sa.Uuid, nullable=False),
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("term_months", sa.Integer, nullable=False),
        sa.Column("billing_period", sa.Text, nullable=False),
        sa.Column("payment_terms_days", sa.Integer, nullable=False),
        sa.Column("list_total", sa.Numeric(18, 2), nullable=False),
        sa.Column("discount_total", sa.Numeric(18, 2), nullable=False),
        sa.Column("net_total", sa.Numeric(18, 2), nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("traceparent", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("opportunity_id", "version", name="uq_quotes_opportunity_version"),
        sa.CheckConstraint("status IN ('draft', 'accepted')", name="ck_quotes_status"),
        sa.CheckConstraint(
            "billing_period IN ('month', 'quarter', 'year')", name="ck_quotes_billing_period"
        ),
        sa.CheckConstraint("net_total = list_total - discount_total", name="ck_quotes_net_total"),
    )
    op.create_table(
        "quote_lines",
        sa.Column("quote_id", sa.Uuid, sa.ForeignKey("quotes.id"), primary_key=True),
        sa.Column("line_no", sa.Integer, primary_key=True),
        sa.Column("product_code", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("charge", sa.Text, nullable=False),
        sa.Column("billing_period", sa.Text),
        sa.Column("quantity", sa.Numeric, nullable=False),
        sa.Column("unit_price", sa.Numeric, nullable=False),
        sa.Column("list_amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("discount_percent", sa.Numeric, nullable=False),
        sa.Column("discount_amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("net_amount", sa.Numeric(18, 2), nullable=False),
        sa.CheckConstraint(
            "discount_amount BETWEEN 0 AND list_amount", name="ck_quote_lines_discount_amount"
        ),
        sa.CheckConstraint(
            "net_amount = list_amount - discount_amount", name="ck_quote_lines_net_amount"
        ),
    )
    op.bulk_insert(
        products,
        [
            {"code": code, "name": name, "charge": charge, "billing_period": period}
            for code, name, charge, period, _, _ in SEED_CATALOG
        ],
    )
    op.bulk_insert(
        price_book_entries,
        [
            {
                "price_book": "standard",
                "currency": currency,
                "product_code": code,
                "unit_price": Decimal(price),
                "effective_from": SEED_EFFECTIVE_FROM,
            }
            for code, _, _, _, eur, usd in SEED_CATALOG
            for currency, price in (("EUR", eur), ("USD", usd))
        ],
    )


def downgrade() -> None:
    op.drop_table("quote_lines")
    op.drop_table("quotes")
    op.drop_table("opportunities")
    op.drop_table("price_book_entries")
    op.drop_table("products")
    drop_messaging_tables(op)
