"""Exact money on the wire: a decimal string plus an ISO-4217 currency code.

Rounding rule (DESIGN.md): half-up at the currency's exponent on each line; totals are the
sums of rounded lines. Floats are refused everywhere, because 0.1 + 0.2 is not 0.3.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator, WithJsonSchema

# Minor-unit exponents that differ from the default of 2 (ISO 4217).
_EXPONENTS: dict[str, int] = {
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
}

DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"


def currency_exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (EUR 2, JPY 0, KWD 3)."""
    return _EXPONENTS.get(currency, 2)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit: 10.005 EUR -> 10.01 EUR."""
    quantum = Decimal(1).scaleb(-currency_exponent(currency))
    return amount.quantize(quantum, rounding=ROUND_HALF_UP)


def parse_decimal(value: Any) -> Decimal:
    """Accept a decimal string (or Decimal/int); refuse floats and anything inexact."""
    if isinstance(value, bool):
        raise ValueError("amounts must be decimal strings such as '12.50', not booleans")
    if isinstance(value, float):
        raise ValueError("amounts must be decimal strings such as '12.50', never floats")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a decimal number") from exc
    else:
        raise ValueError("amounts must be decimal strings")
    if not result.is_finite():
        raise ValueError("amounts must be finite")
    return result


DecimalStr = Annotated[
    Decimal,
    PlainValidator(parse_decimal),
    PlainSerializer(lambda d: format(d, "f"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN}),
]
"""A Decimal that travels as a JSON string ("12.50") and never as a float."""


def _parse_currency(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 3 or not value.isalpha() or not value.isupper():
        raise ValueError("currency must be an ISO-4217 code of three capital letters, e.g. 'EUR'")
    return value


CurrencyCode = Annotated[
    str,
    PlainValidator(_parse_currency),
    WithJsonSchema({"type": "string", "pattern": "^[A-Z]{3}$"}),
]


class Money(BaseModel):
    """An exact amount in one currency, e.g. {"amount": "1190.00", "currency": "EUR"}."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    amount: DecimalStr
    currency: CurrencyCode

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Money rounded half-up to the currency's minor unit."""
        return cls(amount=round_money(parse_decimal(amount), currency), currency=currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls.of(0, currency)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(amount=self.amount + other.amount, currency=self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(amount=self.amount - other.amount, currency=self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __str__(self) -> str:
        return f"{format(self.amount, 'f')} {self.currency}"
