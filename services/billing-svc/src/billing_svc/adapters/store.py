"""Bulk reads and writes of the billing run: one query per kind of data for a whole batch."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from pydantic import TypeAdapter
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import Row

from billing_svc.adapters.tables import (
    account_tax_jurisdictions,
    billing_adjustments,
    invoice_number_sequences,
    invoices,
    revenue_schedule,
    subscription_amendments,
    subscription_items,
    subscription_usage_prices,
    tax_rates,
    usage_events,
    usage_plans,
)
from billing_svc.domain.drafting import Adjustment, UsageGroup
from billing_svc.domain.invoicing import SubscriptionItem
from billing_svc.domain.usage import UsageEvent, UsagePlan, plans_of_rates
from l2c_pricing import PriceSpec, Tier
from l2c_runtime.errors import NotFound
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas.cpq import UsageRate


async def items_of(uow: UnitOfWork, ids: list[UUID]) -> dict[UUID, list[SubscriptionItem]]:
    result: dict[UUID, list[SubscriptionItem]] = defaultdict(list)
    rows = await uow.session.execute(
        sa.select(subscription_items)
        .where(subscription_items.c.subscription_id.in_(ids))
        .order_by(subscription_items.c.subscription_id, subscription_items.c.line_no)
    )
    for row in rows:
        result[row.subscription_id].append(
            SubscriptionItem(
                line_no=row.line_no,
                product_code=row.product_code,
                description=row.description,
                charge=row.charge,
                quantity=row.quantity,
                unit_price=row.unit_price,
                discount_amount=row.discount_amount,
                net_amount=row.net_amount,
            )
        )
    return result


async def replace_items(
    uow: UnitOfWork, subscription_id: UUID, items: list[SubscriptionItem]
) -> None:
    await uow.session.execute(
        sa.delete(subscription_items).where(subscription_items.c.subscription_id == subscription_id)
    )
    if items:
        await uow.session.execute(
            sa.insert(subscription_items),
            [{"subscription_id": subscription_id, **vars(item)} for item in items],
        )


async def usage_groups(uow: UnitOfWork, ids: list[UUID]) -> dict[UUID, list[UsageGroup]]:
    """Per subscription, every (metric, period) that has unbilled usage, with all its events."""
    u = usage_events
    open_groups = (
        sa.select(u.c.subscription_id, u.c.metric, u.c.period_start)
        .where(u.c.subscription_id.in_(ids), u.c.billed_invoice_id.is_(None))
        .distinct()
        .subquery()
    )
    rows = await uow.session.execute(
        sa.select(u).join(
            open_groups,
            sa.and_(
                u.c.subscription_id == open_groups.c.subscription_id,
                u.c.metric == open_groups.c.metric,
                u.c.period_start == open_groups.c.period_start,
            ),
        )
    )
    billed: dict[tuple[UUID, str, date], list[UsageEvent]] = defaultdict(list)
    unbilled: dict[tuple[UUID, str, date], list[UsageEvent]] = defaultdict(list)
    for row in rows:
        key = (row.subscription_id, row.metric, row.period_start)
        event = UsageEvent(row.quantity, row.occurred_at, row.unique_key)
        (unbilled if row.billed_invoice_id is None else billed)[key].append(event)
    result: dict[UUID, list[UsageGroup]] = defaultdict(list)
    for (sid, metric, start), events in unbilled.items():
        result[sid].append(
            UsageGroup(metric, start, tuple(billed.get((sid, metric, start), ())), tuple(events))
        )
    return result


async def pending_adjustments(
    uow: UnitOfWork, ids: list[UUID]
) -> dict[UUID, list[tuple[int, Adjustment]]]:
    result: dict[UUID, list[tuple[int, Adjustment]]] = defaultdict(list)
    rows = await uow.session.execute(
        sa.select(billing_adjustments)
        .where(
            billing_adjustments.c.subscription_id.in_(ids),
            billing_adjustments.c.billed_invoice_id.is_(None),
        )
        .order_by(billing_adjustments.c.id)
    )
    for row in rows:
        result[row.subscription_id].append(
            (
                row.id,
                Adjustment(
                    row.product_code,
                    row.description,
                    row.quantity,
                    row.amount,
                    row.period_start,
                    row.period_end,
                ),
            )
        )
    return result


async def tax_rates_of(
    uow: UnitOfWork, accounts: set[UUID]
) -> dict[UUID, tuple[str | None, Decimal]]:
    """(jurisdiction, rate) per account that has a jurisdiction with a configured rate; an
    account without one is taxed at 0."""
    rows = await uow.session.execute(
        sa.select(
            account_tax_jurisdictions.c.account_id, tax_rates.c.jurisdiction, tax_rates.c.rate
        )
        .join(tax_rates, tax_rates.c.jurisdiction == account_tax_jurisdictions.c.jurisdiction)
        .where(account_tax_jurisdictions.c.account_id.in_(accounts))
    )
    return {row.account_id: (row.jurisdiction, row.rate) for row in rows}


async def plans_by_currency(uow: UnitOfWork) -> dict[str, dict[str, UsagePlan]]:
    """Usage plans by currency, then metric."""
    result: dict[str, dict[str, UsagePlan]] = defaultdict(dict)
    for row in await uow.session.execute(sa.select(usage_plans)):
        result[row.currency][row.metric] = plan_of(row._mapping)
    return result


def plan_of(row: Any) -> UsagePlan:
    """A default usage plan (PUT /usage-plans) as the pricing library's price: `tiered` is the
    graduated model, a package's price is the package model's amount."""
    tiers = tuple(
        Tier(
            None if t["up_to"] is None else Decimal(t["up_to"]),
            Decimal(t["unit_price"]),
            Decimal(t.get("flat_fee", "0")),
        )
        for t in row["tiers"]
    )
    model = row["model"]
    if model == "package":
        spec = PriceSpec(
            "package", Decimal(row["package_price"]), package_size=Decimal(row["package_size"])
        )
    else:
        spec = PriceSpec("graduated" if model == "tiered" else model, tiers=tiers)
    return UsagePlan(
        row["metric"], row["product_code"], row["description"], row["aggregation"], spec
    )


async def usage_prices_of(
    uow: UnitOfWork, ids: list[UUID]
) -> dict[UUID, list[tuple[date, dict[str, UsagePlan]]]]:
    """The quoted usage prices of each subscription, by the date each set takes effect."""
    result: dict[UUID, list[tuple[date, dict[str, UsagePlan]]]] = defaultdict(list)
    p = subscription_usage_prices
    rows = await uow.session.execute(
        sa.select(p.c.subscription_id, p.c.effective_from, p.c.rates)
        .where(p.c.subscription_id.in_(ids))
        .order_by(p.c.subscription_id, p.c.effective_from)
    )
    for row in rows:
        rates = USAGE_RATES.validate_python(row.rates)
        result[row.subscription_id].append((row.effective_from, plans_of_rates(rates)))
    return result


async def put_usage_prices(
    uow: UnitOfWork, subscription_id: UUID, effective_from: date, rates: list[UsageRate]
) -> None:
    """The usage rates in force from `effective_from` (an order's, or an amendment's: a second
    set for the same day replaces the first)."""
    values = {
        "rates": USAGE_RATES.dump_python(rates, mode="json"),
        "received_at": uow.clock.now(),
    }
    await uow.session.execute(
        pg_insert(subscription_usage_prices)
        .values(subscription_id=subscription_id, effective_from=effective_from, **values)
        .on_conflict_do_update(index_elements=["subscription_id", "effective_from"], set_=values)
    )


async def quoted_usage_rates(uow: UnitOfWork, subscription_id: UUID) -> list[dict[str, Any]]:
    """The subscription's quoted usage rates as stored (JSON), each set with its first day."""
    p = subscription_usage_prices
    rows = await uow.session.execute(
        sa.select(p.c.effective_from, p.c.rates)
        .where(p.c.subscription_id == subscription_id)
        .order_by(p.c.effective_from)
    )
    return [{"effective_from": row.effective_from, "rates": row.rates} for row in rows]


USAGE_RATES: TypeAdapter[list[UsageRate]] = TypeAdapter(list[UsageRate])


async def next_numbers(uow: UnitOfWork, legal_entity: str, year: int, count: int) -> list[int]:
    """`count` consecutive numbers of the year. The counter row stays locked until the issuing
    transaction ends, so numbers are gapless: a rolled-back batch gives its numbers back."""
    if count == 0:
        return []
    statement = (
        pg_insert(invoice_number_sequences)
        .values(legal_entity=legal_entity, year=year, last_number=count)
        .on_conflict_do_update(
            index_elements=["legal_entity", "year"],
            set_={"last_number": invoice_number_sequences.c.last_number + count},
        )
        .returning(invoice_number_sequences.c.last_number)
    )
    last = int((await uow.session.execute(statement)).scalar_one())
    return list(range(last - count + 1, last + 1))


async def insert_revenue(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5000):
        await uow.session.execute(sa.insert(revenue_schedule), rows[start : start + 5000])


async def pending_amendments(uow: UnitOfWork, ids: list[UUID]) -> dict[UUID, list[Row[Any]]]:
    """Amendments not applied yet, per subscription, oldest effective date first."""
    result: dict[UUID, list[Row[Any]]] = defaultdict(list)
    rows = await uow.session.execute(
        sa.select(subscription_amendments)
        .where(
            subscription_amendments.c.subscription_id.in_(ids),
            subscription_amendments.c.applied_at.is_(None),
        )
        .order_by(subscription_amendments.c.effective_date)
    )
    for row in rows:
        result[row.subscription_id].append(row)
    return result


async def locked_invoice(uow: UnitOfWork, invoice_id: UUID) -> Row[Any]:
    """One invoice, locked for this transaction (NotFound when there is none)."""
    row = (
        await uow.session.execute(
            sa.select(invoices).where(invoices.c.id == invoice_id).with_for_update()
        )
    ).first()
    if row is None:
        raise NotFound(f"no invoice {invoice_id}")
    return row
