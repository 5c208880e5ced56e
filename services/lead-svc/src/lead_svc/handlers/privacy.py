"""The right to be forgotten."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from l2c_runtime.erasure import forget_sent_events
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.lead import LeadErased
from lead_svc.adapters.lead_store import PERSONAL_FIELDS, History, Lead, load_lead, save_lead
from lead_svc.adapters.tables import lead_activities, lead_history, leads


async def erase_lead(lead_id: UUID, uow: UnitOfWork) -> Lead:
    """Scrub the person's data (name, e-mail, title, the key that matched them) from the lead,
    its history and the sent outbox rows that name it, and emit LeadErased so every other
    service scrubs its copies. The company, scores and the journey's ids stay. The leads
    merged into this one hold the same person's data: they are erased too, each with its own
    LeadErased. Erasing twice changes nothing more."""
    merged = await uow.session.scalars(
        sa.select(leads.c.id).where(leads.c.merged_into == lead_id, leads.c.erased_at.is_(None))
    )
    for duplicate_id in merged.all():
        await erase_lead(duplicate_id, uow)
    before = await load_lead(uow, lead_id)
    if before["erased_at"] is not None:
        return before
    now = uow.clock.now()
    after = {**before, **dict.fromkeys(PERSONAL_FIELDS), "person_key": None}
    after.update(external_id=None, erased_at=now, updated_at=now)
    await save_lead(uow, before, after)
    scrubbed = lead_history.c.changes
    for name in PERSONAL_FIELDS:
        scrubbed = scrubbed.op("-")(sa.literal(name))  # type: ignore[assignment]
    await uow.session.execute(
        sa.update(lead_history).where(lead_history.c.lead_id == lead_id).values(changes=scrubbed)
    )
    await uow.session.execute(
        sa.update(lead_activities)
        .where(lead_activities.c.lead_id == lead_id)
        .values(person_key=None)
    )
    await forget_sent_events(uow, lead_id)  # its LeadQualified named the person
    history = History(lead_id, now)
    history.add("erased")
    await history.save(uow)
    await uow.emit(LeadErased(lead_id=lead_id, erased_at=now))
    return after
