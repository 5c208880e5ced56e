"""The contract term: when a contract starts and ends. Pure functions of dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from l2c_schemas.errors import RuleViolation
from l2c_schemas.periods import MONTHS_PER_PERIOD, add_months

__all__ = ["ContractTerm", "add_months", "contract_term", "periods_in_term"]


@dataclass(frozen=True)
class ContractTerm:
    start_date: date
    end_date: date
    """Last day of the term, inclusive."""
    months: int


def contract_term(accepted_at: datetime, term_months: int, billing_period: str) -> ContractTerm:
    """The term of a contract accepted at `accepted_at`: it starts the day after acceptance
    (UTC calendar date) and ends the day before the same day `term_months` later. The term
    must be a whole number of the contract's billing periods."""
    if term_months < 1:
        raise RuleViolation(f"a contract term must be at least one month, not {term_months}")
    periods_in_term(term_months, billing_period)
    moment = accepted_at if accepted_at.tzinfo else accepted_at.replace(tzinfo=UTC)
    start = moment.astimezone(UTC).date() + timedelta(days=1)
    end = add_months(start, term_months) - timedelta(days=1)
    return ContractTerm(start_date=start, end_date=end, months=term_months)


def periods_in_term(term_months: int, billing_period: str) -> int:
    """How many whole billing periods a term holds: 12 months are 4 quarters. A term that is
    not a whole number of periods (e.g. 10 months billed yearly) is refused."""
    months = MONTHS_PER_PERIOD.get(billing_period)
    if months is None:
        raise RuleViolation(f"unknown billing period {billing_period!r}")
    periods, rest = divmod(term_months, months)
    if rest or periods < 1:
        raise RuleViolation(
            f"a {term_months}-month term is not a whole number of {billing_period}s"
        )
    return periods
