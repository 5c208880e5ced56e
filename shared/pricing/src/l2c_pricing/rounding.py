"""The rounding rules, the same for a quote and an invoice.

1. A line's price is computed exactly (`models.list_price`) and rounded once, half-up at the
   currency's minor unit: 1250.5 units at 0.30 = 375.15 EUR; 3 units at 33.3333 = 99.9999 →
   100.00 EUR; 10.005 EUR → 10.01 EUR; 1000.5 JPY → 1001 JPY.
2. Totals are sums of rounded lines, never rounded again.
3. Unit prices carry up to four decimals. The unit price shown on a tiered, flat or package
   line is its rounded amount over its quantity, half-up to four decimals (525.15 EUR for
   1250.5 units → 0.4200).
4. A correction (late usage) is the difference of two rounded prices, so the invoiced lines of
   a period always add up to the price of its whole quantity.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from l2c_pricing.models import PriceSpec, list_price
from l2c_schemas.money import round_money

UNIT_PRICE_QUANTUM = Decimal("0.0001")


def price(spec: PriceSpec, quantity: Decimal, currency: str) -> Decimal:
    """The price of `quantity` units as it goes on a line: exact, then rounded half-up."""
    return round_money(list_price(spec, quantity), currency)


def price_change(spec: PriceSpec, before: Decimal, after: Decimal, currency: str) -> Decimal:
    """What going from `before` to `after` units adds to a line priced already: the
    difference of the two rounded prices (none of the models is additive)."""
    return price(spec, after, currency) - price(spec, before, currency)


def average_unit_price(amount: Decimal, quantity: Decimal) -> Decimal:
    """What one unit costs on average, half-up to four decimals; for no units, the amount."""
    if quantity == 0:
        return amount
    return (amount / quantity).quantize(UNIT_PRICE_QUANTUM, rounding=ROUND_HALF_UP)


def unit_price_shown(unit_price: Decimal, currency: str) -> Decimal:
    """A unit price at the currency's precision when that is exact (49.0000 → 49.00), and
    otherwise as it is (33.3333)."""
    rounded = round_money(unit_price, currency)
    return rounded if rounded == unit_price else unit_price.normalize()
