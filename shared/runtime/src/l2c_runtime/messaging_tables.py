"""Outbox and inbox tables. Every service has both, in its own database, created by its own
Alembic migration through `create_messaging_tables`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

messaging_metadata = sa.MetaData()


def _outbox_columns() -> list[sa.Column[Any]]:
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


outbox = sa.Table("outbox", messaging_metadata, *_outbox_columns())
sa.Index("ix_outbox_unpublished", outbox.c.id, postgresql_where=outbox.c.published_at.is_(None))

inbox = sa.Table("inbox", messaging_metadata, *_inbox_columns())

dead_letter = sa.Table("dead_letter", messaging_metadata, *_dead_letter_columns())
"""Full copies of dead letters too large for their dead-letter topic (see `dead_letters`)."""


def create_messaging_tables(op: Any) -> None:
    """Alembic upgrade step that creates the outbox and inbox of a service."""
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


def create_dead_letter_table(op: Any) -> None:
    """Alembic upgrade step that creates the table of oversized dead letters."""
    op.create_table("dead_letter", *_dead_letter_columns())


def drop_dead_letter_table(op: Any) -> None:
    op.drop_table("dead_letter")
