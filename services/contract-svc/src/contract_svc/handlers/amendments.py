"""Amendments: mid-term upsell or downsell, effective on a date; billing prorates."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa

from contract_svc.adapters.tables import amendments
from contract_svc.domain.amendment import LineChange, amend_lines, check_effective_date
from contract_svc.domain.lifecycle import ContractStatus, check_in_force
from contract_svc.domain.value import amended_contract_value, charged
from contract_svc.handlers.records import (
    contract_span,
    lock_contract,
    replace_lines,
    update_contract,
)
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.contract import ContractAmended


async def amend_contract(
    contract_id: UUID,
    effective_date: date,
    changes: list[LineChange],
    reason: str,
    uow: UnitOfWork,
) -> UUID:
    """Change the lines of a signed contract from `effective_date` on (ContractAmended with
    the complete new line set); returns the amendment id."""
    record = await lock_contract(contract_id, uow)
    row = record.row
    check_in_force(ContractStatus(row["status"]), "amend")
    check_effective_date(effective_date, uow.clock.now().date(), row["start_date"], row["end_date"])
    lines = amend_lines(record.lines, changes, row["currency"])
    value = amended_contract_value(
        row["total_contract_value"],
        [charged(line, row["billing_period"]) for line in record.lines],
        [charged(line, row["billing_period"]) for line in lines],
        effective_date,
        row["term_start_date"],
        row["term_months"],
        row["currency"],
    )
    amendment_id, now = uuid4(), uow.clock.now()
    with contract_span("amend contract", record):
        await replace_lines(record.id, lines, uow)
        await update_contract(record.id, uow, total_contract_value=value)
        await uow.session.execute(
            sa.insert(amendments).values(
                id=amendment_id,
                contract_id=record.id,
                effective_date=effective_date,
                reason=reason,
                lines=[line.model_dump(mode="json") for line in lines],
                amended_at=now,
            )
        )
        await uow.emit(
            ContractAmended(
                lead_id=row["lead_id"],
                account_id=row["account_id"],
                contract_id=record.id,
                amendment_id=amendment_id,
                currency=row["currency"],
                effective_date=effective_date,
                lines=lines,
                reason=reason,
                amended_at=now,
                usage_rates=record.usage_rates,  # unchanged by a change of lines
            )
        )
    return amendment_id


async def list_amendments(contract_id: UUID, uow: UnitOfWork) -> list[dict[str, Any]]:
    """The contract's amendments, oldest first, each with its complete line set."""
    rows = await uow.session.execute(
        sa.select(amendments)
        .where(amendments.c.contract_id == contract_id)
        .order_by(amendments.c.amended_at, amendments.c.id)
    )
    return [dict(r._mapping) for r in rows]
