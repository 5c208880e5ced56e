"""Total contract value (TCV): what the customer commits to pay over the whole term."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from contract_svc.domain.term import periods_in_term
from l2c_schemas import PricedLine
from l2c_schemas.errors import RuleViolation
from l2c_schemas.money import round_money
from l2c_schemas.periods import MONTHS_PER_PERIOD, add_months, period_end


@dataclass(frozen=True)
class ChargedLine:
    """What a contract line costs: a recurring net amount per billing period, or a one-time
    net amount. Amounts are already rounded per line by the quote."""

    charge: Literal["recurring", "one_time"]
    net_amount: Decimal
    billing_period: str | None = None
    """For recurring lines, the period `net_amount` is for."""
    product_code: str | None = None


def charged(line: PricedLine, contract_period: str) -> ChargedLine:
    """A contract line as it is charged. A recurring line without its own period is priced per
    the contract's billing period."""
    period = (line.billing_period or contract_period) if line.charge == "recurring" else None
    return ChargedLine(line.charge, line.net_amount.amount, period, line.product_code)


def line_value(line: ChargedLine, term_months: int) -> Decimal:
    """A line's value over the term: recurring lines once per billing period, one-time once."""
    if line.charge == "one_time":
        return line.net_amount
    return line.net_amount * periods_in_term(term_months, _period_of(line))


def _period_of(line: ChargedLine) -> str:
    if line.billing_period is None:
        raise RuleViolation("a recurring line needs a billing period")
    return line.billing_period


def total_contract_value(lines: Iterable[ChargedLine], term_months: int, currency: str) -> Decimal:
    """Sum of the lines' values over the term, each rounded to the currency's minor unit."""
    total = sum(
        (round_money(line_value(line, term_months), currency) for line in lines), Decimal(0)
    )
    return round_money(total, currency)


def value_left(
    line: ChargedLine, effective: date, term_start: date, term_months: int, currency: str
) -> Decimal:
    """What a recurring line is worth from `effective` to the end of the term. Its billing
    periods are anchored on the term's start; those not begun count in full, the one
    `effective` falls in for its remaining days: net × remaining days / days in the period,
    half-up, as billing prorates a change. A one-time line has nothing left (billed once)."""
    if line.charge == "one_time":
        return Decimal(0)
    months = MONTHS_PER_PERIOD[_period_of(line)]
    left = Decimal(0)
    for index in range(periods_in_term(term_months, _period_of(line))):
        start = add_months(term_start, index * months)
        end = period_end(start, months)
        if effective <= start:
            left += line.net_amount
        elif effective <= end:
            days = (end - start).days + 1
            left += round_money(line.net_amount * ((end - effective).days + 1) / days, currency)
    return left


def amended_contract_value(
    value: Decimal,
    old: Sequence[ChargedLine],
    new: Sequence[ChargedLine],
    effective: date,
    term_start: date,
    term_months: int,
    currency: str,
) -> Decimal:
    """The TCV after the lines change from `effective` on: what the old lines were worth from
    that day to the end of the term is replaced by what the new ones are worth. A one-time
    fee is billed once: the old ones stay in the value, a new product's fee adds to it."""
    known = {line.product_code for line in old}
    added_fees = sum(
        (x.net_amount for x in new if x.charge == "one_time" and x.product_code not in known),
        Decimal(0),
    )

    def left(lines: Sequence[ChargedLine]) -> Decimal:
        return sum(
            (value_left(x, effective, term_start, term_months, currency) for x in lines),
            Decimal(0),
        )

    return round_money(value - left(old) + left(new) + added_fees, currency)
