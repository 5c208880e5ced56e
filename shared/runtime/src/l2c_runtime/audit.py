"""The audit trail: who did what to which record, when and from where, in an append-only
`audit_log` table of each service's own database.

A route records its action with `record_action` inside the unit of work of the action, so the
entry commits with the change or not at all. Who and from where come from the caller of the
request (their token's subject and roles, client address, user agent, request id). The table
refuses UPDATE, DELETE and TRUNCATE by a trigger (owners and superusers included, unless
they drop it), and each service's migration creates it with `create_audit_table`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic_core import to_jsonable_python
from sqlalchemy.dialects.postgresql import JSONB

from l2c_runtime.auth.context import current_caller
from l2c_runtime.unit_of_work import UnitOfWork

audit_metadata = sa.MetaData()


def _audit_columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("entity_type", sa.Text, nullable=False),
        sa.Column("entity_id", sa.Text, nullable=False),
        sa.Column("details", JSONB, nullable=False),
        sa.Column("client_ip", sa.Text),
        sa.Column("user_agent", sa.Text),
        sa.Column("request_id", sa.Text),
    ]


audit_log = sa.Table("audit_log", audit_metadata, *_audit_columns())
# The indexes create_audit_table makes, declared so the code describes the migrated database.
sa.Index("ix_audit_log_entity", audit_log.c.entity_id, audit_log.c.id)
sa.Index("ix_audit_log_actor", audit_log.c.actor, audit_log.c.id)
sa.Index("ix_audit_log_at", audit_log.c.at)

_REFUSE_CHANGES = """
CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def create_audit_table(op: Any) -> None:
    """Alembic upgrade step: the audit table, its indexes and the append-only triggers."""
    op.create_table("audit_log", *_audit_columns())
    op.create_index("ix_audit_log_entity", "audit_log", ["entity_id", "id"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor", "id"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.execute(_REFUSE_CHANGES)
    op.execute(
        "CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log"
        " FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
        " FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only()"
    )
    op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC")


def drop_audit_table(op: Any) -> None:
    op.drop_table("audit_log")
    op.execute("DROP FUNCTION IF EXISTS audit_log_is_append_only()")


async def record_action(
    uow: UnitOfWork,
    action: str,
    entity_type: str,
    entity_id: object,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append an entry for `action` (e.g. `invoice.void`) on one record, in this transaction.
    `details` holds what changed: the request's key fields, or before and after."""
    caller = current_caller()
    if caller is None:
        raise RuntimeError(f"{action}: audited actions are taken by an authenticated caller")
    await uow.session.execute(
        sa.insert(audit_log).values(
            at=uow.clock.now(),
            actor=caller.subject,
            role=caller.role,
            action=action,
            entity_type=entity_type,
            entity_id=str(entity_id),
            details=to_jsonable_python(dict(details or {})),
            client_ip=caller.origin.client_ip,
            user_agent=caller.origin.user_agent,
            request_id=caller.origin.request_id,
        )
    )


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    entity_type: str
    entity_id: str
    details: dict[str, Any]
    client_ip: str | None
    user_agent: str | None
    request_id: str | None


@dataclass(frozen=True)
class AuditQuery:
    entity_id: str | None = None
    actor: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None
    """Cursor: entries older than this id (the previous page's last)."""
    limit: int = 100


async def read_audit_trail(uow: UnitOfWork, query: AuditQuery) -> list[AuditEntry]:
    """Entries newest first, filtered; at most `limit`."""
    select = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(query.limit)
    for column, value in (
        (audit_log.c.entity_id, query.entity_id),
        (audit_log.c.actor, query.actor),
    ):
        if value is not None:
            select = select.where(column == value)
    if query.since is not None:
        select = select.where(audit_log.c.at >= query.since)
    if query.until is not None:
        select = select.where(audit_log.c.at < query.until)
    if query.before_id is not None:
        select = select.where(audit_log.c.id < query.before_id)
    rows = await uow.session.execute(select)
    return [AuditEntry(**row._mapping) for row in rows]
