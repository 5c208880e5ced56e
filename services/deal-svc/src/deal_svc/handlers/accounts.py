"""Account and contact use cases: the people sales talks to, and forgetting them on request."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa

from deal_svc.adapters.tables import accounts, contacts
from l2c_runtime.erasure import forget_sent_events
from l2c_runtime.errors import NotFound
from l2c_runtime.telemetry import ACCOUNT_ID, LEAD_ID, journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.lead import LeadErased

ERASED_NAME = "[erased]"


async def add_contact(
    account_id: UUID,
    uow: UnitOfWork,
    *,
    full_name: str,
    email: str | None = None,
    title: str | None = None,
    phone: str | None = None,
    role: str | None = None,
    is_primary: bool = False,
) -> UUID:
    """Another person at the customer. A new primary contact takes over from the old one."""
    account = (
        await uow.session.execute(sa.select(accounts).where(accounts.c.id == account_id))
    ).first()
    if account is None:
        raise NotFound(f"no account {account_id}")
    attributes = {LEAD_ID: str(account.lead_id), ACCOUNT_ID: str(account_id)}
    with journey_span("add contact", account.traceparent, attributes):
        if is_primary:
            await uow.session.execute(
                sa.update(contacts)
                .where(contacts.c.account_id == account_id, contacts.c.is_primary)
                .values(is_primary=False)
            )
        contact_id = uuid4()
        await uow.session.execute(
            sa.insert(contacts).values(
                id=contact_id,
                account_id=account_id,
                lead_id=None,
                full_name=full_name,
                email=email,
                title=title,
                phone=phone,
                role=role,
                is_primary=is_primary,
                created_at=uow.clock.now(),
            )
        )
    return contact_id


async def erase_lead_contacts(event: LeadErased, uow: UnitOfWork) -> int:
    """The person behind a lead asked to be forgotten: scrub the personal data of the
    contacts that came from that lead (name, e-mail, title, phone), and the sent outbox rows
    that name the lead. The account and its deals stay: they are the company's, not the
    person's. Returns how many contacts were scrubbed; a repeat scrubs nothing new."""
    result = await uow.session.execute(
        sa.update(contacts)
        .where(contacts.c.lead_id == event.lead_id, contacts.c.erased_at.is_(None))
        .values(
            full_name=ERASED_NAME,
            email=None,
            title=None,
            phone=None,
            erased_at=uow.clock.now(),
        )
        .returning(contacts.c.id)
    )
    await forget_sent_events(uow, event.lead_id)
    return len(result.all())


async def find_account(account_id: UUID, uow: UnitOfWork) -> dict[str, Any] | None:
    """The account with its contacts (primary first) — None if there is none."""
    account = (
        await uow.session.execute(sa.select(accounts).where(accounts.c.id == account_id))
    ).first()
    if account is None:
        return None
    people = await uow.session.execute(
        sa.select(contacts)
        .where(contacts.c.account_id == account_id)
        .order_by(contacts.c.is_primary.desc(), contacts.c.created_at, contacts.c.id)
    )
    return {**account._mapping, "contacts": [dict(p._mapping) for p in people]}
