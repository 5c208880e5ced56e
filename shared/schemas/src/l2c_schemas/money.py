"""Exact money on the wire: a decimal string plus an ISO-4217 currency code.

Rounding rule (DESIGN.md): half-up at the currency's exponent on each line; totals are the
sums of rounded lines. Floats are refused everywhere, because 0.1 + 0.2 is not 0.3.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

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


class DecimalBounds:
    """Annotation on a DecimalStr: at most `integer_digits` digits before the point and
    `places` after it, so the value fits its NUMERIC column (a wider one is refused with a
    reason, never rounded silently or failing in the database)."""

    def __init__(self, integer_digits: int, places: int) -> None:
        self.integer_digits = integer_digits
        self.places = places
        self._limit = Decimal(10) ** integer_digits

    def check(self, value: Decimal) -> Decimal:
        # as_tuple first: normalize (trailing zeros, "10.000" USD is fine) only when needed.
        if -int(value.as_tuple().exponent) > self.places:
            places = -int(value.normalize().as_tuple().exponent)
            if places > self.places:
                raise ValueError(f"at most {self.places} decimal places, got {places}")
        if not -self._limit < value < self._limit:
            raise ValueError(f"at most {self.integer_digits} digits before the decimal point")
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        fraction = rf"(\.\d{{1,{self.places}}})?" if self.places else ""
        json_schema["pattern"] = rf"^-?\d{{1,{self.integer_digits}}}{fraction}$"
        return json_schema


MAX_AMOUNT_DIGITS = 13
"""Digits before the point of any amount a person or a gateway sends (under ten trillion):
every money column (NUMERIC(18,2) and NUMERIC(18,4)) holds it."""

Quantity = Annotated[DecimalStr, DecimalBounds(12, 4)]
"""A count of units (seats, hours, usage): up to 12 digits and 4 decimal places."""
Percent = Annotated[DecimalStr, DecimalBounds(3, 4)]
"""A percentage with up to 4 decimal places (a field adds its own range, e.g. 0..100)."""
Rate = Annotated[DecimalStr, DecimalBounds(3, 6)]
"""A rate that fits NUMERIC(9,6), e.g. a tax rate of 0.19."""


class Cash(Money):
    """Money a person or another system sends in: no finer than the currency's minor unit
    (10.001 USD is refused, 10.001 KWD is fine) and at most MAX_AMOUNT_DIGITS digits before
    the point."""

    @model_validator(mode="before")
    @classmethod
    def _from_money(cls, value: Any) -> Any:
        if isinstance(value, Money) and not isinstance(value, Cash):
            return {"amount": value.amount, "currency": value.currency}
        return value

    @model_validator(mode="after")
    def _within_the_currency(self) -> Cash:
        exponent = currency_exponent(self.currency)
        try:
            DecimalBounds(MAX_AMOUNT_DIGITS, exponent).check(self.amount)
        except ValueError as exc:
            raise ValueError(f"{self.currency} amount {self.amount}: {exc}") from None
        return self


Amount = Annotated[DecimalStr, DecimalBounds(MAX_AMOUNT_DIGITS, 3)]
"""An amount whose currency is known elsewhere (e.g. the payment's): no currency has more
than 3 decimal places."""
