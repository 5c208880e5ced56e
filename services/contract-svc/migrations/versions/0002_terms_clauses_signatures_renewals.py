"""contract terms and policy, clause library, approvals, signatures, provisioning, amendments,
renewals and termination

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(18, 2)
PERCENT = sa.Numeric(7, 4)
TIMESTAMP = sa.DateTime(timezone=True)

STANDARD_CLAUSES = [
    (
        "SERVICE",
        "Service",
        "The provider delivers the subscribed services as described in the "
        "order lines for the term of this contract.",
        True,
    ),
    (
        "PAYMENT",
        "Payment",
        "Invoices are payable within the payment terms stated in this "
        "contract; late amounts bear statutory interest.",
        True,
    ),
    (
        "RENEWAL",
        "Renewal",
        "Unless either party gives notice, the contract renews for a term of "
        "equal length at prices raised by the stated uplift.",
        True,
    ),
    (
        "TERMINATION",
        "Termination",
        "Either party may terminate with the stated notice, "
        "effective no later than the end of the current term.",
        True,
    ),
    (
        "CONFIDENTIALITY",
        "Confidentiality",
        "Each party keeps the other's confidential "
        "information secret during the term and five years after.",
        True,
    ),
    (
        "LIABILITY",
        "Limitation of liability",
        "Each party's liability is limited to the fees paid in the twelve months before the claim.",
        True,
    ),
    (
        "DPA",
        "Data processing",
        "The provider processes personal data only on the customer's "
        "documented instructions, as set out in the data processing agreement.",
        False,
    ),
    (
        "SLA",
        "Service levels",
        "The provider targets 99.9 % monthly availability; service credits "
        "are the customer's sole remedy for missed targets.",
        False,
    ),
]


def upgrade() -> None:
    policies = op.create_table(
        "contract_policies",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("auto_renew", sa.Boolean, nullable=False),
        sa.Column("uplift_percent", PERCENT, nullable=False),
        sa.Column("renewal_notice_days", sa.Integer, nullable=False),
        sa.Column("billing_timing", sa.Text, nullable=False),
        sa.Column("max_standard_payment_terms_days", sa.Integer, nullable=False),
        sa.Column("termination_notice_days", sa.Integer, nullable=False),
        sa.Column("automatic_countersignature", sa.Boolean, nullable=False),
        sa.CheckConstraint(
            "billing_timing IN ('in_advance', 'in_arrears')", name="ck_policy_billing_timing"
        ),
    )
    op.bulk_insert(
        policies,
        [
            {
                "name": "default",
                "auto_renew": True,
                "uplift_percent": 3,
                "renewal_notice_days": 60,
                "billing_timing": "in_advance",
                "max_standard_payment_terms_days": 45,
                "termination_notice_days": 30,
                "automatic_countersignature": True,
            }
        ],
    )

    columns = [
        sa.Column("billing_timing", sa.Text, nullable=False, server_default="in_advance"),
        sa.Column("auto_renew", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("uplift_percent", PERCENT, nullable=False, server_default="3"),
        sa.Column("renewal_notice_days", sa.Integer, nullable=False, server_default="60"),
        sa.Column("termination_notice_days", sa.Integer, nullable=False, server_default="30"),
        sa.Column(
            "automatic_countersignature", sa.Boolean, nullable=False, server_default=sa.true()
        ),
        sa.Column("approval_status", sa.Text, nullable=False, server_default="not_required"),
        sa.Column("term_number", sa.Integer, nullable=False, server_default="1"),
        sa.Column("term_start_date", sa.Date),
        sa.Column("countersigned_by", sa.Text),
        sa.Column("countersigned_at", TIMESTAMP),
        sa.Column("activated_at", TIMESTAMP),
        sa.Column("terminated_at", TIMESTAMP),
        sa.Column("termination_effective_date", sa.Date),
        sa.Column("termination_reason", sa.Text),
    ]
    for column in columns:
        op.add_column("contracts", column)
    op.execute("UPDATE contracts SET term_start_date = start_date")
    op.execute(
        "UPDATE contracts SET countersigned_by = 'automatic', countersigned_at = signed_at "
        "WHERE status = 'signed'"
    )
    op.alter_column("contracts", "term_start_date", nullable=False)
    op.drop_constraint("ck_contracts_status", "contracts")
    op.drop_constraint("ck_contracts_signature", "contracts")
    op.create_check_constraint(
        "ck_contracts_status",
        "contracts",
        "status IN ('drafted', 'awaiting_countersignature', 'signed', 'active', 'terminated',"
        " 'expired')",
    )
    op.create_check_constraint(
        "ck_contracts_signature",
        "contracts",
        "(status = 'drafted') = (signed_at IS NULL OR signed_by IS NULL)",
    )
    op.create_check_constraint(
        "ck_contracts_countersignature",
        "contracts",
        "status IN ('drafted', 'awaiting_countersignature') OR countersigned_at IS NOT NULL",
    )
    op.create_check_constraint(
        "ck_contracts_billing_timing", "contracts", "billing_timing IN ('in_advance', 'in_arrears')"
    )
    op.create_check_constraint(
        "ck_contracts_approval_status",
        "contracts",
        "approval_status IN ('not_required', 'pending', 'approved', 'rejected')",
    )
    op.create_index("ix_contracts_status_end_date", "contracts", ["status", "end_date"])

    op.add_column("orders", sa.Column("attempt", sa.Integer, nullable=False, server_default="1"))
    op.add_column("orders", sa.Column("last_failure", sa.Text))
    op.add_column("orders", sa.Column("provisioned_at", TIMESTAMP))
    op.add_column("orders", sa.Column("updated_at", TIMESTAMP))
    op.drop_constraint("ck_orders_status", "orders")
    op.create_check_constraint(
        "ck_orders_status", "orders", "status IN ('placed', 'provisioned', 'provisioning_failed')"
    )

    templates = op.create_table(
        "clause_templates",
        sa.Column("code", sa.Text, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("included_by_default", sa.Boolean, nullable=False),
    )
    op.bulk_insert(
        templates,
        [
            {"code": c, "title": t, "body": b, "included_by_default": d}
            for c, t, b, d in STANDARD_CLAUSES
        ],
    )
    op.create_table(
        "contract_clauses",
        sa.Column("contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), primary_key=True),
        sa.Column("clause_no", sa.Integer, primary_key=True),
        sa.Column("template_code", sa.Text, sa.ForeignKey("clause_templates.code")),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_table(
        "contract_approvals",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), nullable=False),
        sa.Column("round", sa.Integer, nullable=False),
        sa.Column("step_no", sa.Integer, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("requested_at", TIMESTAMP, nullable=False),
        sa.Column("decided_by", sa.Text),
        sa.Column("comment", sa.Text),
        sa.Column("decided_at", TIMESTAMP),
        sa.UniqueConstraint("contract_id", "round", "step_no", name="uq_contract_approvals_step"),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'superseded')",
            name="ck_contract_approvals_status",
        ),
        sa.CheckConstraint(
            "(status IN ('approved', 'rejected')) = (decided_at IS NOT NULL)",
            name="ck_contract_approvals_decision",
        ),
    )
    op.create_table(
        "signatures",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), nullable=False),
        sa.Column("party", sa.Text, nullable=False),
        sa.Column("signer", sa.Text, nullable=False),
        sa.Column("signed_at", TIMESTAMP, nullable=False),
        sa.Column("ip_address", sa.Text),
        sa.Column("document_hash", sa.Text, nullable=False),
        sa.Column("envelope_id", sa.Text, unique=True),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("recorded_at", TIMESTAMP, nullable=False),
        sa.UniqueConstraint("contract_id", "party", name="uq_signatures_party"),
        sa.CheckConstraint("party IN ('customer', 'company')", name="ck_signatures_party"),
    )
    op.create_table(
        "contract_amendments",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), nullable=False),
        sa.Column("effective_date", sa.Date, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("lines", JSONB, nullable=False),
        sa.Column("amended_at", TIMESTAMP, nullable=False),
    )
    op.create_index("ix_contract_amendments_contract_id", "contract_amendments", ["contract_id"])
    op.create_table(
        "renewal_notices",
        sa.Column("contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), primary_key=True),
        sa.Column("term_number", sa.Integer, primary_key=True),
        sa.Column("renewal_value", MONEY, nullable=False),
        sa.Column("due_at", TIMESTAMP, nullable=False),
    )
    op.create_table(
        "contract_renewals",
        sa.Column("contract_id", sa.Uuid, sa.ForeignKey("contracts.id"), primary_key=True),
        sa.Column("term_number", sa.Integer, primary_key=True),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.Column("uplift_percent", PERCENT, nullable=False),
        sa.Column("automatic", sa.Boolean, nullable=False),
        sa.Column("renewed_at", TIMESTAMP, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "contract_renewals",
        "renewal_notices",
        "contract_amendments",
        "signatures",
        "contract_approvals",
        "contract_clauses",
        "clause_templates",
        "contract_policies",
    ):
        op.drop_table(table)
    op.drop_constraint("ck_orders_status", "orders")
    for name in ("attempt", "last_failure", "provisioned_at", "updated_at"):
        op.drop_column("orders", name)
    op.create_check_constraint("ck_orders_status", "orders", "status IN ('placed')")
    op.drop_index("ix_contracts_status_end_date", "contracts")
    for constraint in (
        "ck_contracts_status",
        "ck_contracts_signature",
        "ck_contracts_countersignature",
        "ck_contracts_billing_timing",
        "ck_contracts_approval_status",
    ):
        op.drop_constraint(constraint, "contracts")
    for name in (
        "billing_timing",
        "auto_renew",
        "uplift_percent",
        "renewal_notice_days",
        "termination_notice_days",
        "automatic_countersignature",
        "approval_status",
        "term_number",
        "term_start_date",
        "countersigned_by",
        "countersigned_at",
        "activated_at",
        "terminated_at",
        "termination_effective_date",
        "termination_reason",
    ):
        op.drop_column("contracts", name)
    op.create_check_constraint(
        "ck_contracts_status", "contracts", "status IN ('drafted', 'signed')"
    )
    op.create_check_constraint(
        "ck_contracts_signature",
        "contracts",
        "(status = 'signed') = (signed_at IS NOT NULL AND signed_by IS NOT NULL)",
    )
