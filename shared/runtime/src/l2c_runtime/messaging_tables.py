"""Outbox, inbox and lease tables. Every service has them, in its own database, created by its
own Alembic migrations: `create_messaging_tables` (the first shape, in each service's first
migration) and `add_outbox_states` (states, parking, leases, retention indexes).

An outbox row's `state`:
- `pending`: committed, not yet acknowledged by the broker;
- `sent`: acknowledged (`published_at` says when); pruned after the outbox retention;
- `parked`: refused by the broker for a reason retrying cannot cure (e.g. over its size
  limit); `last_error` says why. Later rows of the same key wait behind it;
- `skipped`: a parked row an operator gave up on (`skip_reason`); its key flows again.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

messaging_metadata = sa.MetaData()

PENDING, SENT, PARKED, SKIPPED = "pending", "sent", "parked", "skipped"
OUTBOX_STATES = (PENDING, SENT, PARKED, SKIPPED)


def _outbox_columns() -> list[sa.Column[Any]]:
    """The outbox as the first migrations create it (do not change: those are history)."""
    return [
        # The sequence gives the publication order; per key it is the commit order.
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.Uuid, nullable=False, unique=True),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("message_key", sa.Text),
        sa.Column("ce_type", sa.Text, nullable=False),
        sa.Column("headers", JSONB, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("traceparent", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
    ]


def _state_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("state", sa.Text, nullable=False, server_default=PENDING),
        sa.Column("parked_at", sa.DateTime(timezone=True)),
        sa.Column("skip_reason", sa.Text),
    ]


def _inbox_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("consumer", sa.Text, primary_key=True),
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column("ce_type", sa.Text, nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _lease_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("holder", sa.Text),
        # Bumped at every change of holder: a holder's writes name the generation they
        # were decided under, and are refused once another holder took over.
        sa.Column("generation", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column(
            "expires_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("'-infinity'"),
        ),
    ]


def _dead_letter_columns() -> list[sa.Column[Any] | sa.UniqueConstraint]:
    return [
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("consumer", sa.Text, nullable=False),
        sa.Column("topic", sa.Text, nullable=False),
        sa.Column("partition", sa.Integer, nullable=False),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("message_key", sa.LargeBinary),
        sa.Column("headers", JSONB, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("error_type", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("dead_lettered_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("consumer", "topic", "partition", "offset"),
    ]


outbox = sa.Table(
    "outbox",
    messaging_metadata,
    *_outbox_columns(),
    *_state_columns(),
    sa.CheckConstraint("state IN ('pending', 'sent', 'parked', 'skipped')", name="ck_outbox_state"),
)
# What the relay reads (the next pending rows in id order) ...
sa.Index("ix_outbox_pending", outbox.c.id, postgresql_where=outbox.c.state == PENDING)
# ... the keys held up behind a parked row ...
sa.Index("ix_outbox_parked", outbox.c.message_key, postgresql_where=outbox.c.state == PARKED)
# ... and what retention deletes (sent rows by age).
sa.Index("ix_outbox_sent_at", outbox.c.published_at, postgresql_where=outbox.c.state == SENT)

inbox = sa.Table("inbox", messaging_metadata, *_inbox_columns())
sa.Index("ix_inbox_processed_at", inbox.c.processed_at)

lease = sa.Table("messaging_lease", messaging_metadata, *_lease_columns())
"""Named claims that one process at a time holds for a few seconds and renews (the outbox
relay, retention): see `l2c_runtime.lease`."""

dead_letter = sa.Table("dead_letter", messaging_metadata, *_dead_letter_columns())
"""Full copies of dead letters too large for their dead-letter topic (see `dead_letters`)."""


def create_messaging_tables(op: Any) -> None:
    """Alembic upgrade step that creates the outbox and inbox of a service (their first shape;
    `add_outbox_states` follows in a later migration)."""
    op.create_table("outbox", *_outbox_columns())
    op.create_table("inbox", *_inbox_columns())
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["id"],
        postgresql_where=sa.text("published_at IS NULL"),
    )


def drop_messaging_tables(op: Any) -> None:
    op.drop_table("inbox")
    op.drop_table("outbox")


def add_outbox_states(op: Any) -> None:
    """Alembic upgrade step: outbox states and parking, the lease table, and the indexes the
    relay and retention read by."""
    for column in _state_columns():
        op.add_column("outbox", column)
    op.execute("UPDATE outbox SET state = 'sent' WHERE published_at IS NOT NULL")
    op.create_check_constraint(
        "ck_outbox_state", "outbox", "state IN ('pending', 'sent', 'parked', 'skipped')"
    )
    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    op.create_index(
        "ix_outbox_pending", "outbox", ["id"], postgresql_where=sa.text("state = 'pending'")
    )
    op.create_index(
        "ix_outbox_parked",
        "outbox",
        ["message_key"],
        postgresql_where=sa.text("state = 'parked'"),
    )
    op.create_index(
        "ix_outbox_sent_at",
        "outbox",
        ["published_at"],
        postgresql_where=sa.text("state = 'sent'"),
    )
    op.create_index("ix_inbox_processed_at", "inbox", ["processed_at"])
    op.create_table("messaging_lease", *_lease_columns())


def drop_outbox_states(op: Any) -> None:
    op.drop_table("messaging_lease")
    op.drop_index("ix_inbox_processed_at", table_name="inbox")
    op.drop_index("ix_outbox_sent_at", table_name="outbox")
    op.drop_index("ix_outbox_parked", table_name="outbox")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["id"],
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.drop_constraint("ck_outbox_state", "outbox")
    for column in reversed(_state_columns()):
        op.drop_column("outbox", column.name)


def create_dead_letter_table(op: Any) -> None:
    """Alembic upgrade step that creates the table of oversized dead letters."""
    op.create_table("dead_letter", *_dead_letter_columns())


def drop_dead_letter_table(op: Any) -> None:
    op.drop_table("dead_letter")
