"""pricing models, bundles, configuration rules, discount policy, approvals, quote lifecycle

Revision ID: 0002
Revises: 0001

The seeded products keep their per-unit prices (PLAT-SEAT 49.00, ANALYTICS 250.00, ONBOARD
1500.00, SUPPORT-PREM 199.00 EUR); the new products, rules and schedules leave a quote of 25
seats with onboarding on a monthly, 12-month term exactly as it was priced before.
"""

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEED_FROM = date(2020, 1, 1)
JSON_EMPTY_LIST = sa.text("'[]'::jsonb")

# code, name, kind, charge, period, family, unit, metric, model, EUR, USD, tiers, package size
NEW_PRODUCTS = [
    (
        "PLAT-SEAT-Q",
        "Platform seat, quarterly plan",
        "plan",
        "recurring",
        "quarter",
        "platform-seat",
        "seat",
        None,
        "per_unit",
        "142.00",
        "160.00",
        None,
        None,
    ),
    (
        "PLAT-SEAT-Y",
        "Platform seat, annual plan",
        "plan",
        "recurring",
        "year",
        "platform-seat",
        "seat",
        None,
        "per_unit",
        "539.00",
        "605.00",
        None,
        None,
    ),
    (
        "SSO",
        "Single sign-on add-on",
        "add_on",
        "recurring",
        "month",
        None,
        None,
        None,
        "flat",
        "300.00",
        "340.00",
        None,
        None,
    ),
    (
        "STORAGE-TB",
        "Extra storage",
        "add_on",
        "recurring",
        "month",
        None,
        "TB",
        None,
        "volume",
        "0",
        "0",
        [("10", "20.00"), ("50", "18.00"), (None, "15.00")],
        None,
    ),
    (
        "SEAT-PACK-10",
        "Seat pack of 10",
        "add_on",
        "recurring",
        "month",
        "platform-seat",
        "pack",
        None,
        "package",
        "400.00",
        "450.00",
        None,
        "10",
    ),
    (
        "AUTOMATION-RUNS",
        "Workflow automation runs",
        "add_on",
        "recurring",
        "month",
        None,
        "run",
        None,
        "graduated",
        "0",
        "0",
        [("1000", "0.10"), ("10000", "0.08"), (None, "0.05")],
        None,
    ),
    (
        "SUPPORT-STD",
        "Standard support",
        "add_on",
        "recurring",
        "month",
        None,
        None,
        None,
        "flat",
        "0.00",
        "0.00",
        None,
        None,
    ),
    (
        "TRAINING-DAY",
        "Training day",
        "one_time",
        "one_time",
        None,
        None,
        "day",
        None,
        "per_unit",
        "1200.00",
        "1350.00",
        None,
        None,
    ),
    (
        "API-CALLS",
        "API calls",
        "usage",
        "usage",
        "month",
        None,
        "1k calls",
        "api_calls",
        "graduated",
        "0",
        "0",
        [("100", "0.00"), ("1000", "0.50"), (None, "0.30")],
        None,
    ),
    (
        "STARTER-BUNDLE",
        "Starter bundle",
        "bundle",
        "bundle",
        None,
        None,
        None,
        None,
        "per_unit",
        None,
        None,
        None,
        None,
    ),
]
EXISTING_KINDS = {
    "PLAT-SEAT": "plan",
    "ANALYTICS": "add_on",
    "ONBOARD": "one_time",
    "SUPPORT-PREM": "add_on",
}
# USD tiers are the EUR tiers × 1.1, rounded.
USD_TIER_FACTOR = Decimal("1.1")
BUNDLE = [
    ("STARTER-BUNDLE", "PLAT-SEAT", "10", True),
    ("STARTER-BUNDLE", "ONBOARD", "1", True),
    ("STARTER-BUNDLE", "ANALYTICS", "1", False),
    ("STARTER-BUNDLE", "SSO", "1", False),
]
RULES = [
    ("analytics-needs-seats", "requires", "ANALYTICS", "PLAT-SEAT", None, None),
    ("sso-needs-seats", "requires", "SSO", "PLAT-SEAT", None, None),
    ("one-support-level", "excludes", "SUPPORT-PREM", "SUPPORT-STD", None, None),
    ("seats-1-to-10000", "quantity", "PLAT-SEAT", None, "1", "10000"),
    ("onboarding-once", "quantity", "ONBOARD", None, None, "1"),
]
VOLUME_SCHEDULE = [
    ("PLAT-SEAT", "100", "5"),
    ("PLAT-SEAT", "500", "10"),
    ("PLAT-SEAT", "1000", "15"),
]
TERM_DISCOUNTS = [
    ("annual prepay", "year", None, "8"),
    ("quarterly prepay", "quarter", None, "2"),
    ("two-year term", None, 24, "3"),
    ("three-year term", None, 36, "5"),
]
THRESHOLDS = [(1, "sales_manager", "15"), (2, "finance", "30")]
STATUSES = (
    "draft",
    "pending_approval",
    "approved",
    "sent",
    "accepted",
    "rejected",
    "expired",
    "superseded",
)


def upgrade() -> None:
    op.drop_constraint("ck_products_charge", "products")
    op.drop_constraint("ck_products_billing_period", "products")
    op.add_column("products", sa.Column("kind", sa.Text, nullable=False, server_default="plan"))
    op.add_column("products", sa.Column("family", sa.Text))
    op.add_column("products", sa.Column("unit", sa.Text))
    op.add_column("products", sa.Column("usage_metric", sa.Text))
    op.create_check_constraint(
        "ck_products_charge", "products", "charge IN ('recurring', 'one_time', 'usage', 'bundle')"
    )
    op.create_check_constraint(
        "ck_products_billing_period",
        "products",
        "(charge IN ('one_time', 'bundle') AND billing_period IS NULL) OR "
        "(charge IN ('recurring', 'usage') AND billing_period IN ('month', 'quarter', 'year'))",
    )
    op.create_check_constraint(
        "ck_products_kind",
        "products",
        "kind IN ('plan', 'add_on', 'one_time', 'usage', 'bundle')",
    )
    op.create_check_constraint(
        "ck_products_usage_metric",
        "products",
        "(kind = 'usage') = (usage_metric IS NOT NULL)",
    )

    price_books = op.create_table(
        "price_books",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("segment", sa.Text, nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False),
    )
    op.add_column(
        "price_book_entries",
        sa.Column("pricing_model", sa.Text, nullable=False, server_default="per_unit"),
    )
    op.add_column("price_book_entries", sa.Column("tiers", JSONB))
    op.add_column("price_book_entries", sa.Column("package_size", sa.Numeric))
    op.create_check_constraint(
        "ck_price_book_entries_model",
        "price_book_entries",
        "pricing_model IN ('flat', 'per_unit', 'graduated', 'volume', 'package')",
    )
    op.create_check_constraint(
        "ck_price_book_entries_tiers",
        "price_book_entries",
        "(pricing_model IN ('graduated', 'volume')) = (tiers IS NOT NULL)",
    )
    op.create_check_constraint(
        "ck_price_book_entries_package",
        "price_book_entries",
        "(pricing_model = 'package') = (package_size IS NOT NULL AND package_size > 0)",
    )

    bundle_components = op.create_table(
        "bundle_components",
        sa.Column("bundle_code", sa.Text, sa.ForeignKey("products.code"), primary_key=True),
        sa.Column("product_code", sa.Text, sa.ForeignKey("products.code"), primary_key=True),
        sa.Column("quantity", sa.Numeric, nullable=False),
        sa.Column("required", sa.Boolean, nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_bundle_components_quantity"),
    )
    configuration_rules = op.create_table(
        "configuration_rules",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("product_code", sa.Text, sa.ForeignKey("products.code"), nullable=False),
        sa.Column("other_code", sa.Text, sa.ForeignKey("products.code")),
        sa.Column("min_quantity", sa.Numeric),
        sa.Column("max_quantity", sa.Numeric),
        sa.CheckConstraint(
            "(kind IN ('requires', 'excludes') AND other_code IS NOT NULL) OR "
            "(kind = 'quantity' AND (min_quantity IS NOT NULL OR max_quantity IS NOT NULL))",
            name="ck_configuration_rules_kind",
        ),
    )
    volume_discounts = op.create_table(
        "volume_discounts",
        sa.Column("product_code", sa.Text, sa.ForeignKey("products.code"), primary_key=True),
        sa.Column("min_quantity", sa.Numeric, primary_key=True),
        sa.Column("percent", sa.Numeric, nullable=False),
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name="ck_volume_discounts_percent"),
    )
    term_discounts = op.create_table(
        "term_discounts",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("billing_period", sa.Text),
        sa.Column("min_term_months", sa.Integer),
        sa.Column("percent", sa.Numeric, nullable=False),
        sa.CheckConstraint("percent BETWEEN 0 AND 100", name="ck_term_discounts_percent"),
    )
    thresholds = op.create_table(
        "approval_thresholds",
        sa.Column("step_no", sa.Integer, primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("above_percent", sa.Numeric, nullable=False),
    )

    op.drop_constraint("ck_quotes_status", "quotes")
    op.create_check_constraint(
        "ck_quotes_status", "quotes", "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")"
    )
    for column in (
        sa.Column("price_book", sa.Text, nullable=False, server_default="standard"),
        sa.Column("priced_on", sa.Date),
        sa.Column("quote_discount_percent", sa.Numeric, nullable=False, server_default="0"),
        sa.Column("discretionary_percent", sa.Numeric, nullable=False, server_default="0"),
        sa.Column("policy_limit_percent", sa.Numeric),
        sa.Column("generation_ms", sa.Numeric),
        sa.Column("revision_of", sa.Uuid, sa.ForeignKey("quotes.id")),
        sa.Column("approved_at", sa.DateTime(timezone=True)),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Column("rejected_at", sa.DateTime(timezone=True)),
        sa.Column("expired_at", sa.DateTime(timezone=True)),
        sa.Column("superseded_at", sa.DateTime(timezone=True)),
    ):
        op.add_column("quotes", column)
    op.create_index(
        "ix_quotes_open_valid_until",
        "quotes",
        ["valid_until"],
        postgresql_where=sa.text("status IN ('draft', 'pending_approval', 'approved', 'sent')"),
    )
    op.add_column(
        "quote_lines",
        sa.Column("pricing_model", sa.Text, nullable=False, server_default="per_unit"),
    )
    op.add_column(
        "quote_lines",
        sa.Column("waterfall", JSONB, nullable=False, server_default=JSON_EMPTY_LIST),
    )
    op.add_column("quote_lines", sa.Column("bundle_code", sa.Text))
    op.add_column("quote_lines", sa.Column("price", JSONB))
    op.create_table(
        "quote_usage_rates",
        sa.Column("quote_id", sa.Uuid, sa.ForeignKey("quotes.id"), primary_key=True),
        sa.Column("product_code", sa.Text, primary_key=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("metric", sa.Text, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("billing_period", sa.Text, nullable=False),
        sa.Column("price", JSONB, nullable=False),
    )
    op.create_table(
        "quote_approvals",
        sa.Column("quote_id", sa.Uuid, sa.ForeignKey("quotes.id"), primary_key=True),
        sa.Column("step_no", sa.Integer, primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("threshold_percent", sa.Numeric, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("actor", sa.Text),
        sa.Column("comment", sa.Text),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')", name="ck_quote_approvals_status"
        ),
    )
    op.create_table(
        "approval_audit",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("quote_id", sa.Uuid, sa.ForeignKey("quotes.id"), nullable=False),
        sa.Column("step_no", sa.Integer, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("decision", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision IN ('requested', 'approved', 'rejected', 'auto_approved')",
            name="ck_approval_audit_decision",
        ),
    )
    _seed(
        price_books,
        bundle_components,
        configuration_rules,
        volume_discounts,
        term_discounts,
        thresholds,
    )


def _seed(
    price_books: sa.Table,
    bundle_components: sa.Table,
    rules: sa.Table,
    volume_discounts: sa.Table,
    term_discounts: sa.Table,
    thresholds: sa.Table,
) -> None:
    for code, kind in EXISTING_KINDS.items():
        op.execute(
            sa.text("UPDATE products SET kind = :kind WHERE code = :code").bindparams(
                kind=kind, code=code
            )
        )
    op.execute(
        "UPDATE products SET family = 'platform-seat', unit = 'seat' WHERE code = 'PLAT-SEAT'"
    )
    op.bulk_insert(
        price_books,
        [
            {"name": "standard", "segment": "default", "description": "List prices"},
            {
                "name": "enterprise",
                "segment": "enterprise",
                "description": "Enterprise agreement prices",
            },
        ],
    )
    products = sa.table(
        "products",
        *(
            sa.column(c)
            for c in (
                "code",
                "name",
                "kind",
                "charge",
                "billing_period",
                "family",
                "unit",
                "usage_metric",
            )
        ),
    )
    op.bulk_insert(
        products,
        [
            {
                "code": p[0],
                "name": p[1],
                "kind": p[2],
                "charge": p[3],
                "billing_period": p[4],
                "family": p[5],
                "unit": p[6],
                "usage_metric": p[7],
            }
            for p in NEW_PRODUCTS
        ],
    )
    entries = sa.table(
        "price_book_entries",
        *(
            sa.column(c)
            for c in (
                "price_book",
                "currency",
                "product_code",
                "unit_price",
                "effective_from",
                "pricing_model",
                "package_size",
            )
        ),
        sa.column("tiers", JSONB(none_as_null=True)),
    )
    rows = []
    for code, *_, model, eur, usd, tiers, package in NEW_PRODUCTS:
        if eur is None:
            continue
        for currency, price, factor in (("EUR", eur, Decimal(1)), ("USD", usd, USD_TIER_FACTOR)):
            rows.append(
                {
                    "price_book": "standard",
                    "currency": currency,
                    "product_code": code,
                    "unit_price": Decimal(price),
                    "effective_from": SEED_FROM,
                    "pricing_model": model,
                    "package_size": None if package is None else Decimal(package),
                    "tiers": None
                    if tiers is None
                    else [
                        {
                            "up_to": up_to,
                            "unit_price": str((Decimal(p) * factor).quantize(Decimal("0.0001"))),
                        }
                        for up_to, p in tiers
                    ],
                }
            )
    op.bulk_insert(entries, rows)
    # The enterprise book: the standard EUR prices, with seats at 45.00.
    op.execute(
        "INSERT INTO price_book_entries (price_book, currency, product_code, unit_price, "
        "effective_from, pricing_model, tiers, package_size) "
        "SELECT 'enterprise', currency, product_code, "
        "CASE WHEN product_code = 'PLAT-SEAT' THEN 45.00 ELSE unit_price END, "
        "effective_from, pricing_model, tiers, package_size FROM price_book_entries "
        "WHERE price_book = 'standard' AND currency = 'EUR'"
    )
    op.bulk_insert(
        bundle_components,
        [
            {"bundle_code": b, "product_code": p, "quantity": Decimal(q), "required": r}
            for b, p, q, r in BUNDLE
        ],
    )
    op.bulk_insert(
        rules,
        [
            {
                "name": n,
                "kind": k,
                "product_code": p,
                "other_code": o,
                "min_quantity": None if lo is None else Decimal(lo),
                "max_quantity": None if hi is None else Decimal(hi),
            }
            for n, k, p, o, lo, hi in RULES
        ],
    )
    op.bulk_insert(
        volume_discounts,
        [
            {"product_code": p, "min_quantity": Decimal(q), "percent": Decimal(pct)}
            for p, q, pct in VOLUME_SCHEDULE
        ],
    )
    op.bulk_insert(
        term_discounts,
        [
            {"name": n, "billing_period": bp, "min_term_months": m, "percent": Decimal(pct)}
            for n, bp, m, pct in TERM_DISCOUNTS
        ],
    )
    op.bulk_insert(
        thresholds,
        [{"step_no": s, "role": r, "above_percent": Decimal(pct)} for s, r, pct in THRESHOLDS],
    )


def downgrade() -> None:
    for table in (
        "approval_audit",
        "quote_approvals",
        "quote_usage_rates",
        "approval_thresholds",
        "term_discounts",
        "volume_discounts",
        "configuration_rules",
        "bundle_components",
    ):
        op.drop_table(table)
    for column in ("price", "bundle_code", "waterfall", "pricing_model"):
        op.drop_column("quote_lines", column)
    op.drop_index("ix_quotes_open_valid_until", "quotes")
    for column in (
        "superseded_at",
        "expired_at",
        "rejected_at",
        "sent_at",
        "approved_at",
        "revision_of",
        "generation_ms",
        "policy_limit_percent",
        "discretionary_percent",
        "quote_discount_percent",
        "priced_on",
        "price_book",
    ):
        op.drop_column("quotes", column)
    op.drop_constraint("ck_quotes_status", "quotes")
    op.create_check_constraint("ck_quotes_status", "quotes", "status IN ('draft', 'accepted')")
    op.execute(
        "DELETE FROM price_book_entries WHERE price_book = 'enterprise' OR "
        "product_code NOT IN ('PLAT-SEAT', 'ANALYTICS', 'ONBOARD', 'SUPPORT-PREM')"
    )
    op.execute(
        "DELETE FROM products WHERE code NOT IN "
        "('PLAT-SEAT', 'ANALYTICS', 'ONBOARD', 'SUPPORT-PREM')"
    )
    for constraint in (
        "ck_price_book_entries_package",
        "ck_price_book_entries_tiers",
        "ck_price_book_entries_model",
    ):
        op.drop_constraint(constraint, "price_book_entries")
    for column in ("package_size", "tiers", "pricing_model"):
        op.drop_column("price_book_entries", column)
    op.drop_table("price_books")
    for constraint in (
        "ck_products_usage_metric",
        "ck_products_kind",
        "ck_products_billing_period",
        "ck_products_charge",
    ):
        op.drop_constraint(constraint, "products")
    for column in ("usage_metric", "unit", "family", "kind"):
        op.drop_column("products", column)
    op.create_check_constraint(
        "ck_products_charge", "products", "charge IN ('recurring', 'one_time')"
    )
    op.create_check_constraint(
        "ck_products_billing_period",
        "products",
        "(charge = 'one_time' AND billing_period IS NULL) OR "
        "(charge = 'recurring' AND billing_period IN ('month', 'quarter', 'year'))",
    )
