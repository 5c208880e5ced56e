"""Quote pricing: list price, discount and net of each line, and the quote's totals.

Each amount is rounded half-up at the currency's minor unit on its line; totals are sums of
the rounded lines, so the lines of a quote, an invoice and a ledger always add up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from l2c_runtime.errors import RuleViolation
from l2c_schemas.money import round_money

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class LineAmounts:
    list_amount: Decimal
    discount_amount: Decimal
    net_amount: Decimal


@dataclass(frozen=True)
class Totals:
    list_total: Decimal
    discount_total: Decimal
    net_total: Decimal


def price_line(
    quantity: Decimal, unit_price: Decimal, discount_percent: Decimal, currency: str
) -> LineAmounts:
    """Price one line: list = quantity × unit price, discount = list × percent / 100, both
    rounded half-up; net = list − discount. E.g. 25 × 49.00 EUR at 10 % is 1225.00 list,
    122.50 discount, 1102.50 net."""
    if quantity <= 0:
        raise RuleViolation(f"quantity must be positive, not {quantity}")
    if unit_price < 0:
        raise RuleViolation(f"unit price must not be negative, not {unit_price}")
    if not Decimal(0) <= discount_percent <= HUNDRED:
        raise RuleViolation(f"discount must be between 0 and 100 percent, not {discount_percent}")
    list_amount = round_money(quantity * unit_price, currency)
    discount_amount = round_money(list_amount * discount_percent / HUNDRED, currency)
    return LineAmounts(list_amount, discount_amount, list_amount - discount_amount)


def total_lines(lines: Iterable[LineAmounts], currency: str) -> Totals:
    """The quote's totals: the sums of its rounded lines (zero for no lines)."""
    lines = list(lines)
    zero = round_money(Decimal(0), currency)
    return Totals(
        list_total=sum((line.list_amount for line in lines), zero),
        discount_total=sum((line.discount_amount for line in lines), zero),
        net_total=sum((line.net_amount for line in lines), zero),
    )


def unit_price_shown(unit_price: Decimal, currency: str) -> Decimal:
    """Unit prices carry up to four decimals; show them at the currency's precision when that
    is exact (49.0000 → 49.00) and otherwise as they are (33.3333)."""
    rounded = round_money(unit_price, currency)
    return rounded if rounded == unit_price else unit_price.normalize()
