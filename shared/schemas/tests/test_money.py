"""Money: half-up rounding per currency exponent, no floats, exact strings on the wire."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from l2c_schemas.money import Money, currency_exponent, parse_decimal, round_money


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("10.005", "EUR", "10.01"),
        ("10.004", "EUR", "10.00"),
        ("-10.005", "EUR", "-10.01"),  # ROUND_HALF_UP: half away from zero
        ("-10.004", "EUR", "-10.00"),
        ("0.125", "EUR", "0.13"),
        ("1190", "EUR", "1190.00"),
        ("2.5", "JPY", "3"),
        ("2.4", "JPY", "2"),
        ("-2.5", "JPY", "-3"),
        ("1234.49", "JPY", "1234"),
        ("1.0005", "KWD", "1.001"),
        ("1.2344", "KWD", "1.234"),
        ("7", "KWD", "7.000"),
        ("0.005", "USD", "0.01"),  # unknown to the table: exponent 2
    ],
)
def test_of_rounds_half_up_to_the_currency_exponent(
    amount: str, currency: str, expected: str
) -> None:
    money = Money.of(amount, currency)
    assert format(money.amount, "f") == expected
    assert money.model_dump()["amount"] == expected
    assert round_money(Decimal(amount), currency) == Decimal(expected)


def test_currency_exponents() -> None:
    assert (currency_exponent("EUR"), currency_exponent("JPY"), currency_exponent("KWD")) == (
        2,
        0,
        3,
    )


def test_of_accepts_int_and_decimal() -> None:
    assert Money.of(5, "EUR").model_dump() == {"amount": "5.00", "currency": "EUR"}
    assert Money.of(Decimal("5.555"), "EUR").model_dump()["amount"] == "5.56"


def test_booleans_are_refused_as_amounts() -> None:
    with pytest.raises(ValidationError, match="not booleans"):
        Money(amount=True, currency="EUR")


@pytest.mark.parametrize("value", [1.5, 0.1])
def test_floats_are_refused_with_a_clear_message(value: object) -> None:
    with pytest.raises(ValidationError, match="never floats"):
        Money(amount=value, currency="EUR")
    with pytest.raises(ValueError, match="never floats"):
        parse_decimal(value)


def test_float_in_json_is_refused() -> None:
    with pytest.raises(ValidationError, match="never floats"):
        Money.model_validate_json('{"amount": 1190.0, "currency": "EUR"}')


@pytest.mark.parametrize("value", ["abc", "", "1,00", "NaN", "Infinity", None, [1]])
def test_non_decimals_are_refused(value: object) -> None:
    with pytest.raises(ValidationError):
        Money(amount=value, currency="EUR")


@pytest.mark.parametrize("text", ["1190.00", "0.10", "-3.50", "1190", "0.000", "12.3456"])
def test_json_round_trip_keeps_the_string_exactly(text: str) -> None:
    raw = f'{{"amount":"{text}","currency":"EUR"}}'
    money = Money.model_validate_json(raw)
    assert money.model_dump_json() == raw
    assert Money.model_validate_json(money.model_dump_json()) == money


def test_money_serialises_as_strings_never_numbers() -> None:
    assert Money.of("1190", "EUR").model_dump_json() == '{"amount":"1190.00","currency":"EUR"}'


@pytest.mark.parametrize("currency", ["eur", "EURO", "EU", "E1R", "", 978, None])
def test_currency_must_be_three_capital_letters(currency: object) -> None:
    with pytest.raises(ValidationError, match="ISO-4217"):
        Money(amount=Decimal("1"), currency=currency)


def test_arithmetic_is_exact_and_same_currency_only() -> None:
    a, b = Money.of("0.10", "EUR"), Money.of("0.20", "EUR")
    assert (a + b).model_dump()["amount"] == "0.30"
    assert (b - a).model_dump()["amount"] == "0.10"
    with pytest.raises(ValueError, match="cannot combine EUR with JPY"):
        a + Money.of(1, "JPY")
    assert str(Money.of("1190", "EUR")) == "1190.00 EUR"
    assert Money.zero("KWD").model_dump()["amount"] == "0.000"


CURRENCIES = st.sampled_from(["EUR", "JPY", "KWD", "USD", "BHD", "CLP"])
AMOUNTS = st.decimals(
    min_value=Decimal("-1e12"),
    max_value=Decimal("1e12"),
    places=6,
    allow_nan=False,
    allow_infinity=False,
)


@given(AMOUNTS, CURRENCIES)
def test_of_is_idempotent_and_within_half_a_minor_unit(x: Decimal, currency: str) -> None:
    money = Money.of(x, currency)
    exponent = currency_exponent(currency)
    assert Money.of(money.amount, currency) == money
    assert money.amount.as_tuple().exponent == -exponent
    assert abs(money.amount - x) <= Decimal(5).scaleb(-exponent - 1)
    # Half-up: a tie goes away from zero, so |rounded| >= |x| on ties.
    if abs(money.amount - x) == Decimal(5).scaleb(-exponent - 1):
        assert abs(money.amount) > abs(x)


@given(st.lists(AMOUNTS, min_size=1, max_size=20), CURRENCIES)
def test_sum_of_rounded_lines_is_within_n_half_units_of_the_exact_sum(
    parts: list[Decimal], currency: str
) -> None:
    total = Money.zero(currency)
    for part in parts:
        total = total + Money.of(part, currency)
    half_unit = Decimal(5).scaleb(-currency_exponent(currency) - 1)
    assert abs(total.amount - sum(parts, Decimal(0))) <= half_unit * len(parts)
    # The sum of rounded lines is itself already rounded: totals never need re-rounding.
    assert Money.of(total.amount, currency) == total


@given(AMOUNTS, CURRENCIES)
def test_json_round_trip_property(x: Decimal, currency: str) -> None:
    money = Money.of(x, currency)
    text = money.model_dump_json()
    back = Money.model_validate_json(text)
    assert back == money
    assert back.model_dump_json() == text
