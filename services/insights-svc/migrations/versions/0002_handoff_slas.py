"""hand-off SLAs: definitions (with the defaults), their versions, and the announcements made

Revision ID: 0002
Revises: 0001
"""

import json

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

HOUR = 3600
DAY = 24 * HOUR
# key, from, to, correlating id, filters, seconds, owner team, description
DEFAULTS = [
    (
        "lead_qualified_to_assigned",
        "LeadQualified",
        ["LeadAssigned"],
        None,
        {},
        2 * HOUR,
        "sales-ops",
        "A qualified lead is routed to a team within two hours.",
    ),
    (
        "assigned_to_first_contact",
        "LeadAssigned",
        ["LeadContacted"],
        None,
        {},
        DAY,
        "sales",
        "An assigned lead is contacted within a day.",
    ),
    (
        "proposal_to_quote_sent",
        "OpportunityStageChanged",
        ["QuoteSent"],
        "opportunity_id",
        {"to_stage": "proposal"},
        DAY,
        "sales",
        "An opportunity moved to proposal has a quote sent within 24 hours.",
    ),
    (
        "quote_accepted_to_contract_drafted",
        "QuoteAccepted",
        ["ContractDrafted"],
        "quote_id",
        {},
        DAY,
        "deal-desk",
        "An accepted quote has its contract drafted within a day.",
    ),
    (
        "contract_drafted_to_signed",
        "ContractDrafted",
        ["ContractSigned"],
        "contract_id",
        {},
        14 * DAY,
        "legal",
        "A drafted contract is signed within two weeks.",
    ),
    (
        "approval_requested_to_decided",
        "QuoteApprovalRequested",
        ["QuoteApproved", "QuoteRejected"],
        "quote_id",
        {},
        DAY,
        "deal-desk",
        "A discount approval is decided within a day.",
    ),
    (
        "contract_signed_to_first_invoice",
        "ContractSigned",
        ["InvoiceIssued"],
        None,
        {},
        DAY,
        "billing",
        "The first invoice is issued within one day of the contract's signature.",
    ),
    (
        "invoice_overdue_to_paid",
        "InvoiceOverdue",
        ["InvoicePaid"],
        "invoice_id",
        {},
        30 * DAY,
        "collections",
        "An invoice past its due date is paid within 30 days.",
    ),
    (
        "payment_received_to_applied",
        "PaymentReceived",
        ["PaymentApplied"],
        "payment_id",
        {},
        DAY,
        "cash-application",
        "Cash received is applied to an invoice within a day.",
    ),
]


def upgrade() -> None:
    slas = op.create_table(
        "handoff_slas",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("from_stage", sa.Text, nullable=False),
        sa.Column("to_stages", JSONB, nullable=False),
        sa.Column("correlate_by", sa.Text),
        sa.Column("filters", JSONB, nullable=False),
        sa.Column("duration_seconds", sa.Integer, nullable=False),
        sa.Column("at_risk_percent", sa.Integer, nullable=False),
        sa.Column("owner_team", sa.Text, nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("applies_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
    )
    versions = op.create_table(
        "handoff_sla_versions",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("definition", JSONB, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.Text, nullable=False),
    )
    op.create_table(
        "handoff_announcements",
        sa.Column("handoff_id", sa.Uuid, primary_key=True),
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("sla_key", sa.Text, nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
    )
    now = op.get_bind().execute(sa.text("SELECT now()")).scalar_one()
    rows = []
    for key, start, ends, correlate_by, filters, seconds, team, text in DEFAULTS:
        rows.append(
            {
                "key": key,
                "version": 1,
                "from_stage": start,
                "to_stages": ends,
                "correlate_by": correlate_by,
                "filters": filters,
                "duration_seconds": seconds,
                "at_risk_percent": 80,
                "owner_team": team,
                "enabled": True,
                "description": text,
                "applies_from": now,
                "updated_at": now,
                "updated_by": "migration",
            }
        )
    op.bulk_insert(slas, rows)
    op.bulk_insert(
        versions,
        [
            {
                "key": row["key"],
                "version": 1,
                "definition": json.loads(json.dumps(row, default=str)),
                "changed_at": now,
                "changed_by": "migration",
            }
            for row in rows
        ],
    )


def downgrade() -> None:
    op.drop_table("handoff_announcements")
    op.drop_table("handoff_sla_versions")
    op.drop_table("handoff_slas")
