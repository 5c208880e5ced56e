"""contract-svc's use cases: load, decide, save, emit — in the caller's unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from contract_svc.adapters.tables import contract_lines, contracts, orders
from contract_svc.domain.lifecycle import ContractStatus, sign
from contract_svc.domain.term import contract_term
from contract_svc.domain.value import ChargedLine, total_contract_value
from l2c_runtime.errors import NotFound, RuleViolation
from l2c_runtime.telemetry import ACCOUNT_ID, LEAD_ID, current_traceparent, journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import ContractDrafted, ContractSigned, Money, OrderPlaced, PricedLine
from l2c_schemas.cpq import QuoteAccepted


@dataclass(frozen=True)
class ContractRecord:
    """A stored contract with its frozen lines and, once signed, its order."""

    row: dict[str, Any]
    lines: list[PricedLine]
    order_id: UUID | None


async def draft_contract(accepted: QuoteAccepted, uow: UnitOfWork) -> UUID | None:
    """Draft the contract of an accepted quote, freezing its lines and terms. One contract per
    quote: when the quote already has one, nothing happens and None is returned."""
    _check_lines(accepted)
    term = contract_term(accepted.accepted_at, accepted.term_months, accepted.billing_period)
    value = total_contract_value(
        (_charged(line, accepted.billing_period) for line in accepted.lines),
        term.months,
        accepted.currency,
    )
    now = uow.clock.now()
    contract_id = uuid4()
    inserted = await uow.session.execute(
        pg_insert(contracts)
        .values(
            id=contract_id,
            quote_id=accepted.quote_id,
            opportunity_id=accepted.opportunity_id,
            lead_id=accepted.lead_id,
            account_id=accepted.account_id,
            customer_name=accepted.customer_name,
            status=ContractStatus.DRAFTED.value,
            currency=accepted.currency,
            start_date=term.start_date,
            end_date=term.end_date,
            term_months=term.months,
            billing_period=accepted.billing_period,
            payment_terms_days=accepted.payment_terms_days,
            total_contract_value=value,
            traceparent=current_traceparent(),
            drafted_at=now,
        )
        .on_conflict_do_nothing(index_elements=[contracts.c.quote_id])
        .returning(contracts.c.id)
    )
    if inserted.first() is None:
        return None
    await uow.session.execute(
        sa.insert(contract_lines),
        [_line_values(contract_id, line) for line in accepted.lines],
    )
    await uow.emit(
        ContractDrafted(
            lead_id=accepted.lead_id,
            account_id=accepted.account_id,
            contract_id=contract_id,
            quote_id=accepted.quote_id,
            opportunity_id=accepted.opportunity_id,
            start_date=term.start_date,
            end_date=term.end_date,
            total_contract_value=Money.of(value, accepted.currency),
            drafted_at=now,
        )
    )
    return contract_id


async def sign_contract(contract_id: UUID, signed_by: str, uow: UnitOfWork) -> UUID:
    """Record the customer's signature and place the contract's order; returns the order id.
    The events continue the journey's trace."""
    found = (
        await uow.session.execute(
            sa.select(contracts).where(contracts.c.id == contract_id).with_for_update()
        )
    ).first()
    if found is None:
        raise NotFound(f"no contract {contract_id}")
    row = found._mapping
    attributes = {
        LEAD_ID: str(row["lead_id"]),
        ACCOUNT_ID: str(row["account_id"]),
        "l2c.contract_id": str(contract_id),
    }
    with journey_span("sign contract", row["traceparent"], attributes):
        status = sign(ContractStatus(row["status"]))
        now = uow.clock.now()
        await uow.session.execute(
            sa.update(contracts)
            .where(contracts.c.id == contract_id)
            .values(status=status.value, signed_by=signed_by, signed_at=now)
        )
        order_id = uuid4()
        await uow.session.execute(
            sa.insert(orders).values(
                id=order_id, contract_id=contract_id, status="placed", placed_at=now
            )
        )
        currency = row["currency"]
        await uow.emit(
            ContractSigned(
                lead_id=row["lead_id"],
                account_id=row["account_id"],
                contract_id=contract_id,
                quote_id=row["quote_id"],
                opportunity_id=row["opportunity_id"],
                signed_by=signed_by,
                total_contract_value=Money.of(row["total_contract_value"], currency),
                signed_at=now,
            )
        )
        lines = (await _lines_of([contract_id], {contract_id: currency}, uow))[contract_id]
        await uow.emit(
            OrderPlaced(
                lead_id=row["lead_id"],
                account_id=row["account_id"],
                order_id=order_id,
                contract_id=contract_id,
                customer_name=row["customer_name"],
                currency=currency,
                start_date=row["start_date"],
                end_date=row["end_date"],
                billing_period=row["billing_period"],
                payment_terms_days=row["payment_terms_days"],
                lines=lines,
                placed_at=now,
            )
        )
    return order_id


async def find_contract(contract_id: UUID, uow: UnitOfWork) -> ContractRecord | None:
    found = await _records(contracts.c.id == contract_id, uow)
    return found[0] if found else None


async def list_contracts(
    uow: UnitOfWork, opportunity_id: UUID | None = None, quote_id: UUID | None = None
) -> list[ContractRecord]:
    """Contracts of an opportunity and/or of a quote, oldest first."""
    conditions = []
    if opportunity_id is not None:
        conditions.append(contracts.c.opportunity_id == opportunity_id)
    if quote_id is not None:
        conditions.append(contracts.c.quote_id == quote_id)
    return await _records(sa.and_(sa.true(), *conditions), uow)


async def _records(condition: sa.ColumnElement[bool], uow: UnitOfWork) -> list[ContractRecord]:
    query = (
        sa.select(contracts, orders.c.id.label("order_id"))
        .outerjoin(orders, orders.c.contract_id == contracts.c.id)
        .where(condition)
        .order_by(contracts.c.drafted_at, contracts.c.id)
    )
    rows = [dict(r._mapping) for r in (await uow.session.execute(query)).all()]
    order_ids = [r.pop("order_id") for r in rows]
    lines = await _lines_of([r["id"] for r in rows], {r["id"]: r["currency"] for r in rows}, uow)
    return [
        ContractRecord(row=r, lines=lines[r["id"]], order_id=order_id)
        for r, order_id in zip(rows, order_ids, strict=True)
    ]


async def _lines_of(
    contract_ids: Sequence[UUID], currencies: dict[UUID, str], uow: UnitOfWork
) -> dict[UUID, list[PricedLine]]:
    found: dict[UUID, list[PricedLine]] = {cid: [] for cid in contract_ids}
    if not contract_ids:
        return found
    rows = await uow.session.execute(
        sa.select(contract_lines)
        .where(contract_lines.c.contract_id.in_(contract_ids))
        .order_by(contract_lines.c.contract_id, contract_lines.c.line_no)
    )
    for r in rows:
        found[r.contract_id].append(_priced_line(r._mapping, currencies[r.contract_id]))
    return found


def _check_lines(accepted: QuoteAccepted) -> None:
    if not accepted.lines:
        raise RuleViolation(f"quote {accepted.quote_id} has no lines to contract")
    for line in accepted.lines:
        amounts = (line.unit_price, line.list_amount, line.discount_amount, line.net_amount)
        if any(m.currency != accepted.currency for m in amounts):
            raise RuleViolation(
                f"line {line.line_no} of quote {accepted.quote_id} is not in {accepted.currency}"
            )


def _charged(line: PricedLine, contract_period: str) -> ChargedLine:
    # A recurring line without its own period is priced per the contract's billing period.
    period = (line.billing_period or contract_period) if line.charge == "recurring" else None
    return ChargedLine(charge=line.charge, net_amount=line.net_amount.amount, billing_period=period)


def _line_values(contract_id: UUID, line: PricedLine) -> dict[str, Any]:
    return {
        "contract_id": contract_id,
        "line_no": line.line_no,
        "product_code": line.product_code,
        "description": line.description,
        "charge": line.charge,
        "billing_period": line.billing_period,
        "quantity": line.quantity,
        "unit_price": line.unit_price.amount,
        "list_amount": line.list_amount.amount,
        "discount_percent": line.discount_percent,
        "discount_amount": line.discount_amount.amount,
        "net_amount": line.net_amount.amount,
    }


def _priced_line(row: Any, currency: str) -> PricedLine:
    return PricedLine(
        line_no=row["line_no"],
        product_code=row["product_code"],
        description=row["description"],
        charge=row["charge"],
        billing_period=row["billing_period"],
        quantity=row["quantity"],
        unit_price=Money(amount=row["unit_price"], currency=currency),
        list_amount=Money.of(row["list_amount"], currency),
        discount_percent=row["discount_percent"],
        discount_amount=Money.of(row["discount_amount"], currency),
        net_amount=Money.of(row["net_amount"], currency),
    )
