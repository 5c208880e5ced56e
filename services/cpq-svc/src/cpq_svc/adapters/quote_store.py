"""Storing and loading quote versions: the quote row, its frozen lines with their waterfalls,
its usage rates and its approval chain."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from pydantic import TypeAdapter

from cpq_svc.adapters.catalog import spec_from_json, spec_json
from cpq_svc.adapters.tables import (
    opportunities,
    quote_approvals,
    quote_lines,
    quote_usage_rates,
    quotes,
)
from cpq_svc.domain.approvals import ApprovalStep
from cpq_svc.domain.pricing import effective_percent
from cpq_svc.domain.quote_pricing import PricedQuote, QuotedLine
from l2c_pricing import average_unit_price, unit_price_shown, usage_rate
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import Money, PricedLine
from l2c_schemas.cpq import LineWaterfall, QuoteTotals, UsageRate


@dataclass(frozen=True)
class Quote:
    """A quote version as stored: its row, frozen priced lines, usage rates and approvals."""

    row: dict[str, Any]
    lines: list[PricedLine]
    waterfalls: list[LineWaterfall]
    usage_rates: list[UsageRate]
    totals: QuoteTotals
    approvals: list[dict[str, Any]]

    @property
    def chain(self) -> list[ApprovalStep]:
        return [ApprovalStep(a["step_no"], a["role"], a["status"]) for a in self.approvals]


def line_rows(quote_id: UUID, priced: PricedQuote, currency: str) -> list[dict[str, Any]]:
    return [_line_row(quote_id, line, currency) for line in priced.lines]


def _line_row(quote_id: UUID, line: QuotedLine, currency: str) -> dict[str, Any]:
    amounts = line.amounts
    unit_price = (
        line.price.amount
        if line.price.model == "per_unit"
        else average_unit_price(amounts.list_amount, line.quantity)
    )
    return {
        "quote_id": quote_id,
        "line_no": line.line_no,
        "product_code": line.product.code,
        "description": line.product.name,
        "charge": line.product.charge,
        "billing_period": line.product.billing_period,
        "quantity": line.quantity,
        "unit_price": unit_price,
        "list_amount": amounts.list_amount,
        "discount_percent": _percent_shown(amounts),
        "discount_amount": amounts.discount_amount,
        "net_amount": amounts.net_amount,
        "pricing_model": line.price.model,
        "bundle_code": line.bundle_code,
        "price": spec_json(line.price),
        "waterfall": [
            {
                "step": s.step,
                "percent": str(s.percent),
                "amount": str(s.amount),
                "price_after": str(s.price_after),
            }
            for s in amounts.steps
        ],
    }


def _percent_shown(amounts: Any) -> Decimal:
    # One step: its percent as asked ("10"); several: the effective percent of the whole line.
    if len(amounts.steps) == 1:
        return Decimal(amounts.steps[0].percent)
    if not amounts.steps:
        return Decimal(0)
    return effective_percent(amounts)


def usage_rows(quote_id: UUID, priced: PricedQuote) -> list[dict[str, Any]]:
    return [
        {
            "quote_id": quote_id,
            "product_code": u.product.code,
            "description": u.product.name,
            "metric": u.product.usage_metric or u.product.code,
            "unit": u.product.unit or "unit",
            "billing_period": u.product.billing_period or "month",
            "price": spec_json(u.price),
        }
        for u in priced.usage
    ]


async def find_quote(quote_id: UUID, uow: UnitOfWork, for_update: bool = False) -> Quote | None:
    query = (
        sa.select(quotes, opportunities.c.account_name)
        .join(opportunities, opportunities.c.id == quotes.c.opportunity_id)
        .where(quotes.c.id == quote_id)
    )
    if for_update:
        query = query.with_for_update(of=quotes)
    found = (await uow.session.execute(query)).first()
    if found is None:
        return None
    row = dict(found._mapping)
    lines = [
        dict(r._mapping)
        for r in await uow.session.execute(
            sa.select(quote_lines).where(quote_lines.c.quote_id == quote_id).order_by("line_no")
        )
    ]
    usage = await uow.session.execute(
        sa.select(quote_usage_rates)
        .where(quote_usage_rates.c.quote_id == quote_id)
        .order_by("product_code")
    )
    approvals = await uow.session.execute(
        sa.select(quote_approvals).where(quote_approvals.c.quote_id == quote_id).order_by("step_no")
    )
    return quote_of(
        row, lines, [dict(u._mapping) for u in usage], [dict(a._mapping) for a in approvals]
    )


def quote_of(
    row: dict[str, Any],
    lines: list[dict[str, Any]],
    usage: list[dict[str, Any]],
    approvals: list[dict[str, Any]],
) -> Quote:
    """A quote from its rows, as read from the tables or as just written to them."""
    currency = row["currency"]
    # Each list is validated in one call: a 50-line quote has a thousand nested models, and
    # building them one constructor call at a time was most of the time to create a quote.
    return Quote(
        row=row,
        lines=_PRICED_LINES.validate_python([_priced_line(line, currency) for line in lines]),
        waterfalls=_WATERFALLS.validate_python([_waterfall(line, currency) for line in lines]),
        usage_rates=[_usage_rate(u, currency) for u in usage],
        totals=totals_of(row["list_total"], row["discount_total"], row["net_total"], currency),
        approvals=approvals,
    )


_PRICED_LINES = TypeAdapter(list[PricedLine])
_WATERFALLS = TypeAdapter(list[LineWaterfall])


def _stored(amount: Any, currency: str) -> dict[str, Any]:
    # Read back from our own columns and waterfalls, which hold amounts already rounded at the
    # currency's precision: no need to round them again (a 50-line quote has hundreds).
    return {"amount": amount, "currency": currency}


def totals_of(list_total: Decimal, discount: Decimal, net: Decimal, currency: str) -> QuoteTotals:
    return QuoteTotals(
        list_total=Money.of(list_total, currency),
        discount_total=Money.of(discount, currency),
        net_total=Money.of(net, currency),
    )


def _priced_line(row: dict[str, Any], currency: str) -> dict[str, Any]:
    return {
        "line_no": row["line_no"],
        "product_code": row["product_code"],
        "description": row["description"],
        "charge": row["charge"],
        "billing_period": row["billing_period"],
        "quantity": row["quantity"],
        "unit_price": _stored(unit_price_shown(row["unit_price"], currency), currency),
        "list_amount": _stored(row["list_amount"], currency),
        "discount_percent": row["discount_percent"],
        "discount_amount": _stored(row["discount_amount"], currency),
        "net_amount": _stored(row["net_amount"], currency),
    }


def _waterfall(row: dict[str, Any], currency: str) -> dict[str, Any]:
    return {
        "line_no": row["line_no"],
        "pricing_model": row["pricing_model"],
        "bundle_code": row["bundle_code"],
        "steps": [
            {
                "step": s["step"],
                "percent": s["percent"],
                "amount": _stored(s["amount"], currency),
                "price_after": _stored(s["price_after"], currency),
            }
            for s in row["waterfall"]
        ],
    }


def _usage_rate(row: dict[str, Any], currency: str) -> UsageRate:
    return usage_rate(
        spec_from_json(row["price"]),
        currency,
        product_code=row["product_code"],
        description=row["description"],
        metric=row["metric"],
        unit=row["unit"],
        billing_period=row["billing_period"],
    )
