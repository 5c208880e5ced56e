"""Total contract value (TCV): what the customer commits to pay over the whole term."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from contract_svc.domain.term import periods_in_term
from l2c_runtime.errors import RuleViolation
from l2c_schemas.money import round_money


@dataclass(frozen=True)
class ChargedLine:
    """What a contract line costs: a recurring net amount per billing period, or a one-time
    net amount. Amounts are already rounded per line by the quote."""

    charge: Literal["recurring", "one_time"]
    net_amount: Decimal
    billing_period: str | None = None
    """For recurring lines, the period `net_amount` is for."""


def line_value(line: ChargedLine, term_months: int) -> Decimal:
    """A line's value over the term: recurring lines once per billing period, one-time once."""
    if line.charge == "one_time":
        return line.net_amount
    if line.billing_period is None:
        raise RuleViolation("a recurring line needs a billing period")
    return line.net_amount * periods_in_term(term_months, line.billing_period)


def total_contract_value(lines: Iterable[ChargedLine], term_months: int, currency: str) -> Decimal:
    """Sum of the lines' values over the term, each rounded to the currency's minor unit."""
    total = sum(
        (round_money(line_value(line, term_months), currency) for line in lines), Decimal(0)
    )
    return round_money(total, currency)
