"""Loading and saving contracts: the stored row, its frozen lines, clauses and order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from pydantic import TypeAdapter

from contract_svc.adapters.tables import (
    contract_clauses,
    contract_lines,
    contract_policies,
    contracts,
    orders,
)
from contract_svc.domain.document import document_hash
from contract_svc.domain.policy import ContractPolicy, ContractTerms
from l2c_runtime.errors import NotFound
from l2c_runtime.telemetry import ACCOUNT_ID, LEAD_ID, journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import Money, PricedLine
from l2c_schemas.cpq import UsageRate


@dataclass(frozen=True)
class Clause:
    clause_no: int
    template_code: str | None
    title: str
    body: str

    @property
    def custom(self) -> bool:
        return self.template_code is None


@dataclass(frozen=True)
class ContractRecord:
    """A stored contract with its current lines, clauses and, once signed, its order."""

    row: dict[str, Any]
    lines: list[PricedLine]
    clauses: list[Clause]
    order_id: UUID | None

    @property
    def id(self) -> UUID:
        return UUID(str(self.row["id"]))

    @property
    def terms(self) -> ContractTerms:
        return terms_of(self.row)

    @property
    def usage_rates(self) -> list[UsageRate]:
        """The accepted quote's usage prices, which the order carries to billing."""
        return USAGE_RATES.validate_python(self.row["usage_rates"])

    @property
    def document_hash(self) -> str:
        """Fingerprint of what a signer signs: parties, dates, terms, lines and clauses."""
        row = self.row
        return document_hash(
            {
                "contract_id": row["id"],
                "customer_name": row["customer_name"],
                "currency": row["currency"],
                "start_date": row["start_date"],
                "end_date": row["end_date"],
                "billing_period": row["billing_period"],
                "terms": _signed_terms(self.terms),
                "lines": [line.model_dump(mode="json") for line in self.lines],
                "clauses": [(c.title, c.body) for c in self.clauses],
                # only when there are any: fingerprints of contracts without stay what they were
                **({"usage_rates": row["usage_rates"]} if row["usage_rates"] else {}),
            }
        )


USAGE_RATES: TypeAdapter[list[UsageRate]] = TypeAdapter(list[UsageRate])


def _signed_terms(terms: ContractTerms) -> dict[str, Any]:
    """The terms a signature covers. Without a trial they are those of contracts drafted
    before trials existed, so the fingerprints of those contracts stay what they were."""
    signed = dict(vars(terms))
    if not terms.trial_days:
        del signed["trial_days"], signed["trial_requires_payment_method"]
    return signed


def terms_of(row: Any) -> ContractTerms:
    return ContractTerms(
        payment_terms_days=row["payment_terms_days"],
        billing_timing=row["billing_timing"],
        auto_renew=row["auto_renew"],
        uplift_percent=Decimal(row["uplift_percent"]).normalize(),
        renewal_notice_days=row["renewal_notice_days"],
        termination_notice_days=row["termination_notice_days"],
        automatic_countersignature=row["automatic_countersignature"],
        trial_days=row["trial_days"],
        trial_requires_payment_method=row["trial_requires_payment_method"],
    )


async def load_policy(uow: UnitOfWork, name: str = "default") -> ContractPolicy:
    """The named row of the policy table (the shipped defaults when it is missing)."""
    row = (
        await uow.session.execute(
            sa.select(contract_policies).where(contract_policies.c.name == name)
        )
    ).first()
    if row is None:
        return ContractPolicy()
    values = dict(row._mapping)
    values.pop("name")
    values["uplift_percent"] = Decimal(values["uplift_percent"]).normalize()
    return ContractPolicy(**values)


async def lock_contract(contract_id: UUID, uow: UnitOfWork) -> ContractRecord:
    """The contract, locked for this transaction (NotFound when there is none)."""
    found = (
        await uow.session.execute(
            sa.select(contracts.c.id).where(contracts.c.id == contract_id).with_for_update()
        )
    ).first()
    if found is None:
        raise NotFound(f"no contract {contract_id}")
    record = await find_contract(contract_id, uow)
    assert record is not None
    return record


@contextmanager
def contract_span(action: str, record: ContractRecord) -> Iterator[None]:
    """A span of a human or scheduled action on a contract, in the journey's trace."""
    row = record.row
    attributes = {
        LEAD_ID: str(row["lead_id"]),
        ACCOUNT_ID: str(row["account_id"]),
        "l2c.contract_id": str(row["id"]),
    }
    with journey_span(action, row["traceparent"], attributes):
        yield


async def update_contract(contract_id: UUID, uow: UnitOfWork, **values: Any) -> None:
    await uow.session.execute(
        sa.update(contracts).where(contracts.c.id == contract_id).values(**values)
    )


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
    ids = [r["id"] for r in rows]
    lines = await lines_of(ids, {r["id"]: r["currency"] for r in rows}, uow)
    clauses = await _clauses_of(ids, uow)
    return [
        ContractRecord(row=r, lines=lines[r["id"]], clauses=clauses[r["id"]], order_id=order_id)
        for r, order_id in zip(rows, order_ids, strict=True)
    ]


async def lines_of(
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
        found[r.contract_id].append(priced_line(r._mapping, currencies[r.contract_id]))
    return found


async def _clauses_of(contract_ids: Sequence[UUID], uow: UnitOfWork) -> dict[UUID, list[Clause]]:
    found: dict[UUID, list[Clause]] = {cid: [] for cid in contract_ids}
    if not contract_ids:
        return found
    rows = await uow.session.execute(
        sa.select(contract_clauses)
        .where(contract_clauses.c.contract_id.in_(contract_ids))
        .order_by(contract_clauses.c.contract_id, contract_clauses.c.clause_no)
    )
    for r in rows:
        found[r.contract_id].append(Clause(r.clause_no, r.template_code, r.title, r.body))
    return found


async def replace_lines(contract_id: UUID, lines: list[PricedLine], uow: UnitOfWork) -> None:
    await uow.session.execute(
        sa.delete(contract_lines).where(contract_lines.c.contract_id == contract_id)
    )
    await uow.session.execute(
        sa.insert(contract_lines), [line_values(contract_id, line) for line in lines]
    )


def line_values(contract_id: UUID, line: PricedLine) -> dict[str, Any]:
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


def priced_line(row: Any, currency: str) -> PricedLine:
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
