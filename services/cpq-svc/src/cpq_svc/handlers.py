"""cpq-svc's use cases: load, decide, save, emit — in the caller's unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert

from cpq_svc.adapters.catalog import STANDARD_PRICE_BOOK, CatalogItem, priced_products
from cpq_svc.adapters.tables import opportunities, quote_lines, quotes
from cpq_svc.domain.pricing import LineAmounts, price_line, total_lines, unit_price_shown
from cpq_svc.domain.quotes import ensure_acceptable, valid_until
from l2c_runtime.errors import NotFound, RuleViolation
from l2c_runtime.telemetry import ACCOUNT_ID, LEAD_ID, current_traceparent, journey_span
from l2c_runtime.unit_of_work import UnitOfWork
from l2c_schemas import Money, OpportunityOpened, PricedLine, QuoteAccepted, QuoteCreated
from l2c_schemas.cpq import BillingPeriod, QuoteTotals


@dataclass(frozen=True)
class RequestedLine:
    product_code: str
    quantity: Decimal
    discount_percent: Decimal = Decimal(0)


@dataclass(frozen=True)
class QuoteRequest:
    opportunity_id: UUID
    currency: str
    lines: list[RequestedLine]
    term_months: int = 12
    billing_period: BillingPeriod = "month"
    payment_terms_days: int = 30


@dataclass(frozen=True)
class Quote:
    """A quote as stored: its row, its frozen priced lines and its totals."""

    row: dict[str, Any]
    lines: list[PricedLine]
    totals: QuoteTotals


async def remember_opportunity(event: OpportunityOpened, uow: UnitOfWork) -> None:
    """Keep what quoting needs to know about a new opportunity, with its journey's trace."""
    await uow.session.execute(
        pg_insert(opportunities)
        .values(
            id=event.opportunity_id,
            lead_id=event.lead_id,
            account_id=event.account_id,
            account_name=event.account_name,
            traceparent=current_traceparent(),
        )
        .on_conflict_do_nothing()
    )


async def create_quote(request: QuoteRequest, uow: UnitOfWork) -> UUID:
    """Price the requested lines from today's price book and store a new draft version."""
    opportunity = await _load_opportunity(request.opportunity_id, uow)
    with journey_span("create quote", opportunity["traceparent"], _journey(opportunity)):
        now = uow.clock.now()
        catalog = await _priced_catalog(request, uow)
        quote_id = uuid4()
        latest_version = await uow.session.scalar(
            sa.select(sa.func.max(quotes.c.version)).where(
                quotes.c.opportunity_id == request.opportunity_id
            )
        )
        version = (latest_version or 0) + 1
        line_rows = [
            _price(quote_id, line_no, line, catalog[line.product_code], request.currency)
            for line_no, line in enumerate(request.lines, start=1)
        ]
        totals = total_lines((amounts for _, amounts in line_rows), request.currency)
        until = valid_until(now.date())
        await uow.session.execute(
            sa.insert(quotes).values(
                id=quote_id,
                opportunity_id=request.opportunity_id,
                lead_id=opportunity["lead_id"],
                account_id=opportunity["account_id"],
                version=version,
                status="draft",
                currency=request.currency,
                term_months=request.term_months,
                billing_period=request.billing_period,
                payment_terms_days=request.payment_terms_days,
                list_total=totals.list_total,
                discount_total=totals.discount_total,
                net_total=totals.net_total,
                valid_until=until,
                traceparent=current_traceparent(),
                created_at=now,
            )
        )
        await uow.session.execute(sa.insert(quote_lines), [row for row, _ in line_rows])
        await uow.emit(
            QuoteCreated(
                lead_id=opportunity["lead_id"],
                account_id=opportunity["account_id"],
                quote_id=quote_id,
                opportunity_id=request.opportunity_id,
                version=version,
                totals=_totals(
                    totals.list_total, totals.discount_total, totals.net_total, request.currency
                ),
                valid_until=until,
                created_at=now,
            )
        )
    return quote_id


async def accept_quote(quote_id: UUID, uow: UnitOfWork) -> None:
    """The customer accepts a draft quote: its lines, terms and totals become final."""
    quote = await find_quote(quote_id, uow, for_update=True)
    if quote is None:
        raise NotFound(f"no quote {quote_id}")
    row = quote.row
    with journey_span("accept quote", row["traceparent"], _journey(row)):
        now = uow.clock.now()
        ensure_acceptable(row["status"], row["valid_until"], now.date())
        await uow.session.execute(
            sa.update(quotes)
            .where(quotes.c.id == quote_id)
            .values(status="accepted", accepted_at=now)
        )
        await uow.emit(
            QuoteAccepted(
                lead_id=row["lead_id"],
                account_id=row["account_id"],
                quote_id=quote_id,
                opportunity_id=row["opportunity_id"],
                customer_name=row["account_name"],
                version=row["version"],
                currency=row["currency"],
                term_months=row["term_months"],
                billing_period=row["billing_period"],
                payment_terms_days=row["payment_terms_days"],
                lines=quote.lines,
                totals=quote.totals,
                accepted_at=now,
            )
        )


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
    currency = row["currency"]
    lines = await uow.session.execute(
        sa.select(quote_lines).where(quote_lines.c.quote_id == quote_id).order_by("line_no")
    )
    return Quote(
        row=row,
        lines=[_priced_line(dict(line._mapping), currency) for line in lines],
        totals=_totals(row["list_total"], row["discount_total"], row["net_total"], currency),
    )


async def _load_opportunity(opportunity_id: UUID, uow: UnitOfWork) -> dict[str, Any]:
    # Locked so that two quotes for one opportunity get consecutive versions.
    row = (
        await uow.session.execute(
            sa.select(opportunities).where(opportunities.c.id == opportunity_id).with_for_update()
        )
    ).first()
    if row is None:
        raise NotFound(
            f"opportunity {opportunity_id} is not known to cpq-svc; if it was opened just now, "
            "its OpportunityOpened event may not have arrived yet: retry in a moment"
        )
    return dict(row._mapping)


async def _priced_catalog(request: QuoteRequest, uow: UnitOfWork) -> dict[str, CatalogItem]:
    if not request.lines:
        raise RuleViolation("a quote needs at least one line")
    today = uow.clock.now().date()
    codes = {line.product_code for line in request.lines}
    catalog = await priced_products(uow.session, request.currency, today, codes)
    for code in sorted(codes):
        if code not in catalog:
            raise RuleViolation(f"unknown product {code}")
        if catalog[code].unit_price is None:
            raise RuleViolation(
                f"product {code} has no {request.currency} price in the "
                f"{STANDARD_PRICE_BOOK} price book on {today.isoformat()}"
            )
    return catalog


def _price(
    quote_id: UUID, line_no: int, line: RequestedLine, item: CatalogItem, currency: str
) -> tuple[dict[str, Any], LineAmounts]:
    assert item.unit_price is not None
    try:
        amounts = price_line(line.quantity, item.unit_price, line.discount_percent, currency)
    except RuleViolation as exc:
        raise RuleViolation(f"line {line_no} ({line.product_code}): {exc}") from exc
    row = {
        "quote_id": quote_id,
        "line_no": line_no,
        "product_code": item.code,
        "description": item.name,
        "charge": item.charge,
        "billing_period": item.billing_period,
        "quantity": line.quantity,
        "unit_price": item.unit_price,
        "list_amount": amounts.list_amount,
        "discount_percent": line.discount_percent,
        "discount_amount": amounts.discount_amount,
        "net_amount": amounts.net_amount,
    }
    return row, amounts


def _priced_line(row: dict[str, Any], currency: str) -> PricedLine:
    return PricedLine(
        line_no=row["line_no"],
        product_code=row["product_code"],
        description=row["description"],
        charge=row["charge"],
        billing_period=row["billing_period"],
        quantity=row["quantity"],
        unit_price=Money(amount=unit_price_shown(row["unit_price"], currency), currency=currency),
        list_amount=Money.of(row["list_amount"], currency),
        discount_percent=row["discount_percent"],
        discount_amount=Money.of(row["discount_amount"], currency),
        net_amount=Money.of(row["net_amount"], currency),
    )


def _totals(list_total: Decimal, discount: Decimal, net: Decimal, currency: str) -> QuoteTotals:
    return QuoteTotals(
        list_total=Money.of(list_total, currency),
        discount_total=Money.of(discount, currency),
        net_total=Money.of(net, currency),
    )


def _journey(row: dict[str, Any]) -> dict[str, str]:
    return {LEAD_ID: str(row["lead_id"]), ACCOUNT_ID: str(row["account_id"])}
