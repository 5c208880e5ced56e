"""Amendments: a mid-term change of the contract's lines (quantity up or down, a product
added or removed), re-priced at the contract's frozen unit prices and discounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from l2c_schemas.cpq import BillingPeriod, PricedLine
from l2c_schemas.errors import RuleViolation
from l2c_schemas.money import Money, round_money

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LineChange:
    """The new quantity of a product (0 removes it). A product the contract does not have yet
    also needs its description, charge and price."""

    product_code: str
    quantity: Decimal
    description: str | None = None
    charge: Literal["recurring", "one_time"] | None = None
    billing_period: BillingPeriod | None = None
    unit_price: Decimal | None = None
    discount_percent: Decimal = Decimal(0)


def price_line(line: PricedLine, quantity: Decimal) -> PricedLine:
    """The line at another quantity, same unit price and discount: list = quantity × unit
    price and discount = list × percent, each rounded half-up; net = list − discount
    (30 × 49.00 EUR at 10 % → 1470.00 list, 147.00 discount, 1323.00 net)."""
    currency = line.net_amount.currency
    list_amount = round_money(quantity * line.unit_price.amount, currency)
    discount = round_money(list_amount * line.discount_percent / HUNDRED, currency)
    return line.model_copy(
        update={
            "quantity": quantity,
            "list_amount": Money.of(list_amount, currency),
            "discount_amount": Money.of(discount, currency),
            "net_amount": Money.of(list_amount - discount, currency),
        }
    )


def amend_lines(
    current: list[PricedLine], changes: list[LineChange], currency: str
) -> list[PricedLine]:
    """The complete line set after the changes. Refused (RuleViolation, with the reason): a
    negative quantity, a product changed twice, removing a product the contract lacks, a new
    product without a price, a change that changes nothing, and removing every line."""
    codes = [c.product_code for c in changes]
    if not changes:
        raise RuleViolation("an amendment needs at least one line change")
    if len(set(codes)) != len(codes):
        raise RuleViolation("each product may appear only once in an amendment")
    by_code = {line.product_code: line for line in current}
    result: dict[str, PricedLine] = dict(by_code)
    next_no = max((line.line_no for line in current), default=0) + 1
    for change in changes:
        if change.quantity < 0:
            raise RuleViolation(f"quantity of {change.product_code} cannot be negative")
        existing = by_code.get(change.product_code)
        if existing is not None:
            if change.quantity == 0:
                del result[change.product_code]
            else:
                result[change.product_code] = price_line(existing, change.quantity)
            continue
        if change.quantity == 0:
            raise RuleViolation(f"the contract has no {change.product_code} to remove")
        result[change.product_code] = _new_line(change, next_no, currency)
        next_no += 1
    lines = sorted(result.values(), key=lambda line: line.line_no)
    if not lines:
        raise RuleViolation("an amendment cannot remove every line; terminate the contract")
    if lines == sorted(current, key=lambda line: line.line_no):
        raise RuleViolation("the amendment changes nothing")
    return lines


def _new_line(change: LineChange, line_no: int, currency: str) -> PricedLine:
    if change.unit_price is None or change.description is None or change.charge is None:
        raise RuleViolation(
            f"{change.product_code} is new to the contract: give its description, charge "
            "and unit price"
        )
    if change.unit_price < 0 or not Decimal(0) <= change.discount_percent <= HUNDRED:
        raise RuleViolation(f"price or discount of {change.product_code} is out of range")
    period = change.billing_period if change.charge == "recurring" else None
    if change.charge == "recurring" and period is None:
        raise RuleViolation(f"recurring {change.product_code} needs a billing period")
    zero = Money.zero(currency)
    template = PricedLine(
        line_no=line_no,
        product_code=change.product_code,
        description=change.description,
        charge=change.charge,
        billing_period=period,
        quantity=change.quantity,
        unit_price=Money(amount=change.unit_price, currency=currency),
        list_amount=zero,
        discount_percent=change.discount_percent,
        discount_amount=zero,
        net_amount=zero,
    )
    return price_line(template, change.quantity)


def check_effective_date(effective: date, today: date, term_start: date, term_end: date) -> None:
    """An amendment takes effect within the contract (from its start to the end of the
    current term), and not in the past."""
    if effective < today:
        raise RuleViolation(f"an amendment cannot take effect in the past ({effective})")
    if not term_start <= effective <= term_end:
        raise RuleViolation(
            f"the effective date {effective} is outside the term "
            f"{term_start.isoformat()} to {term_end.isoformat()}"
        )
