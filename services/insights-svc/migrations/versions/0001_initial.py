"""journey facts, with the messaging tables every service has (outbox, inbox, leases, dead
letters, audit trail, idempotency keys)

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from l2c_runtime.audit import create_audit_table, drop_audit_table
from l2c_runtime.messaging_tables import (
    add_outbox_states,
    create_dead_letter_table,
    create_idempotency_keys_table,
    create_messaging_tables,
    drop_dead_letter_table,
    drop_idempotency_keys_table,
    drop_messaging_tables,
    drop_outbox_states,
)

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)
    add_outbox_states(op)
    create_dead_letter_table(op)
    create_audit_table(op)
    create_idempotency_keys_table(op)
    op.create_table(
        "journey_facts",
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("stage", sa.Text, nullable=False),
        sa.Column("lead_id", sa.Uuid, nullable=False),
        sa.Column("account_id", sa.Uuid),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text),
        sa.Column("owner", sa.Text),
        sa.Column("trace_id", sa.Text),
        sa.Column("ids", JSONB, nullable=False),
        sa.Column("amounts", JSONB, nullable=False),
        sa.Column("detail", JSONB, nullable=False),
    )
    op.create_index("ix_journey_facts_lead", "journey_facts", ["lead_id", "occurred_at"])
    op.create_index("ix_journey_facts_account", "journey_facts", ["account_id"])
    op.create_index("ix_journey_facts_time", "journey_facts", ["occurred_at"])


def downgrade() -> None:
    op.drop_table("journey_facts")
    drop_idempotency_keys_table(op)
    drop_audit_table(op)
    drop_dead_letter_table(op)
    drop_outbox_states(op)
    drop_messaging_tables(op)
