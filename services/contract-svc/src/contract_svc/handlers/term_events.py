"""What happens to a contract over time: activation on its start date, the renewal notice,
renewal (accepted or automatic), expiry and termination."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from contract_svc.adapters.tables import contracts, renewal_notices, renewals
from contract_svc.domain.lifecycle import IN_FORCE, ContractStatus, check_in_force
from contract_svc.domain.renewal import (
    check_renewal_window,
    next_term,
    renewal_lines,
    termination_effective_date,
)
from contract_svc.domain.value import charged, total_contract_value
from contract_svc.handlers.records import (
    ContractRecord,
    contract_span,
    find_contract,
    lock_contract,
    replace_lines,
    update_contract,
)
from l2c_runtime.errors import RuleViolation
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import Money, PricedLine
from l2c_schemas.contract import ContractActivated, ContractRenewed, ContractTerminated, RenewalDue

IN_FORCE_VALUES = [s.value for s in IN_FORCE]


async def _claim(condition: sa.ColumnElement[bool], uow: UnitOfWork) -> ContractRecord | None:
    """One due contract, locked; replicas skip what another one holds."""
    found = (
        await uow.session.execute(
            sa.select(contracts.c.id)
            .where(condition)
            .order_by(contracts.c.end_date, contracts.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
    ).first()
    return None if found is None else await find_contract(found.id, uow)


def _today(uow: UnitOfWork) -> date:
    return uow.clock.now().date()


async def activate_next_due_contract(uow: UnitOfWork) -> bool:
    """Activate one signed contract whose start date has come; False when none is due."""
    record = await _claim(
        sa.and_(
            contracts.c.status == ContractStatus.SIGNED.value,
            contracts.c.start_date <= _today(uow),
        ),
        uow,
    )
    if record is None:
        return False
    row, now = record.row, uow.clock.now()
    with contract_span("activate contract", record):
        await update_contract(record.id, uow, status=ContractStatus.ACTIVE.value, activated_at=now)
        await uow.emit(
            ContractActivated(
                lead_id=row["lead_id"],
                account_id=row["account_id"],
                contract_id=record.id,
                start_date=row["start_date"],
                end_date=row["end_date"],
                activated_at=now,
            )
        )
    return True


def _term_value(lines: list[PricedLine], record: ContractRecord) -> Decimal:
    row = record.row
    return total_contract_value(
        (charged(line, row["billing_period"]) for line in lines),
        row["term_months"],
        row["currency"],
    )


async def announce_next_renewal(uow: UnitOfWork) -> bool:
    """Emit RenewalDue for one contract whose notice date has come, once per term."""
    noticed = sa.exists().where(
        renewal_notices.c.contract_id == contracts.c.id,
        renewal_notices.c.term_number == contracts.c.term_number,
    )
    record = await _claim(
        sa.and_(
            contracts.c.status.in_(IN_FORCE_VALUES),
            contracts.c.end_date - contracts.c.renewal_notice_days <= _today(uow),
            ~noticed,
        ),
        uow,
    )
    if record is None:
        return False
    row, now = record.row, uow.clock.now()
    terms = record.terms
    value = _term_value(renewal_lines(record.lines, terms.uplift_percent), record)
    with contract_span("renewal due", record):
        # The key (contract, term) makes the notice once per term, even when two replicas
        # raced past the NOT EXISTS above.
        inserted = await uow.session.execute(
            pg_insert(renewal_notices)
            .values(
                contract_id=record.id,
                term_number=row["term_number"],
                renewal_value=value,
                due_at=now,
            )
            .on_conflict_do_nothing()
            .returning(renewal_notices.c.contract_id)
        )
        if inserted.first() is None:
            return True
        await uow.emit(
            RenewalDue(
                lead_id=row["lead_id"],
                account_id=row["account_id"],
                contract_id=record.id,
                opportunity_id=row["opportunity_id"],
                customer_name=row["customer_name"],
                end_date=row["end_date"],
                auto_renew=terms.auto_renew,
                uplift_percent=terms.uplift_percent,
                renewal_value=Money.of(value, row["currency"]),
                due_at=now,
            )
        )
    return True


async def renew_contract(contract_id: UUID, uow: UnitOfWork) -> int:
    """The customer accepted the renewal (within the renewal window): the next term with
    uplifted prices. Returns the new term's number."""
    record = await lock_contract(contract_id, uow)
    check_in_force(ContractStatus(record.row["status"]), "renew")
    check_renewal_window(_today(uow), record.row["end_date"], record.terms.renewal_notice_days)
    with contract_span("renew contract", record):
        return await _renew(record, automatic=False, uow=uow)


async def end_next_expiring_term(uow: UnitOfWork) -> bool:
    """On a term's last day, renew an auto-renewing contract; the day after, expire one that
    does not renew (one with nothing recurring to renew expires on its last day). False when
    none is due."""
    today = _today(uow)
    record = await _claim(
        sa.and_(
            contracts.c.status.in_(IN_FORCE_VALUES),
            sa.or_(
                sa.and_(contracts.c.auto_renew, contracts.c.end_date <= today),
                sa.and_(~contracts.c.auto_renew, contracts.c.end_date < today),
            ),
        ),
        uow,
    )
    if record is None:
        return False
    row = record.row
    renewable = bool(renewal_lines(record.lines, record.terms.uplift_percent))
    if row["auto_renew"] and renewable:
        with contract_span("auto-renew contract", record):
            await _renew(record, automatic=True, uow=uow)
        return True
    now = uow.clock.now()
    with contract_span("contract expired", record):
        await update_contract(record.id, uow, status=ContractStatus.EXPIRED.value)
        await uow.emit(
            ContractTerminated(
                lead_id=row["lead_id"],
                account_id=row["account_id"],
                contract_id=record.id,
                effective_date=row["end_date"],
                reason="expired: the term ended without renewal"
                if renewable
                else "expired: nothing recurring to renew",
                terminated_at=now,
            )
        )
    return True


async def _renew(record: ContractRecord, automatic: bool, uow: UnitOfWork) -> int:
    row, now = record.row, uow.clock.now()
    uplift = record.terms.uplift_percent
    lines = renewal_lines(record.lines, uplift)
    if not lines:
        raise RuleViolation("the contract has no recurring lines to renew")
    start, end = next_term(row["end_date"], row["term_months"])
    term_number = int(row["term_number"]) + 1
    await replace_lines(record.id, lines, uow)
    await update_contract(
        record.id,
        uow,
        term_number=term_number,
        term_start_date=start,
        end_date=end,
        total_contract_value=_term_value(lines, record),
    )
    await uow.session.execute(
        sa.insert(renewals).values(
            contract_id=record.id,
            term_number=term_number,
            start_date=start,
            end_date=end,
            uplift_percent=uplift,
            automatic=automatic,
            renewed_at=now,
        )
    )
    await uow.emit(
        ContractRenewed(
            lead_id=row["lead_id"],
            account_id=row["account_id"],
            contract_id=record.id,
            currency=row["currency"],
            start_date=start,
            end_date=end,
            billing_period=row["billing_period"],
            uplift_percent=uplift,
            lines=lines,
            renewed_at=now,
        )
    )
    return term_number


async def terminate_contract(
    contract_id: UUID, reason: str, requested: date | None, uow: UnitOfWork
) -> date:
    """Give notice: the contract ends on the effective date (by default with its current
    term) and does not renew. Returns the last day of service."""
    record = await lock_contract(contract_id, uow)
    check_in_force(ContractStatus(record.row["status"]), "terminate")
    row, now = record.row, uow.clock.now()
    effective = termination_effective_date(
        _today(uow), record.terms.termination_notice_days, row["end_date"], requested
    )
    with contract_span("terminate contract", record):
        await update_contract(
            record.id,
            uow,
            status=ContractStatus.TERMINATED.value,
            auto_renew=False,
            terminated_at=now,
            termination_effective_date=effective,
            termination_reason=reason,
        )
        await uow.emit(
            ContractTerminated(
                lead_id=row["lead_id"],
                account_id=row["account_id"],
                contract_id=record.id,
                effective_date=effective,
                reason=reason,
                terminated_at=now,
            )
        )
    return effective
