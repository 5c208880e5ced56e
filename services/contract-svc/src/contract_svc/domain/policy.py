"""Contract policy: the standard terms a contract gets unless negotiated otherwise, and the
limits beyond which a term is non-standard and needs approval."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from l2c_schemas.cpq import MAX_TRIAL_DAYS
from l2c_schemas.errors import RuleViolation

BillingTiming = Literal["in_advance", "in_arrears"]
BILLING_TIMINGS: tuple[BillingTiming, ...] = ("in_advance", "in_arrears")


@dataclass(frozen=True)
class ContractPolicy:
    """One row of the policy table. The defaults are the shipped `default` policy."""

    auto_renew: bool = True
    uplift_percent: Decimal = Decimal("3")
    renewal_notice_days: int = 60
    billing_timing: BillingTiming = "in_advance"
    max_standard_payment_terms_days: int = 45
    """Payment terms up to net N are standard; longer ones need finance's approval."""
    termination_notice_days: int = 30
    automatic_countersignature: bool = True
    """True: the company countersigns as soon as the customer signed (no second step)."""


@dataclass(frozen=True)
class ContractTerms:
    """The commercial terms of one contract."""

    payment_terms_days: int
    billing_timing: BillingTiming
    auto_renew: bool
    uplift_percent: Decimal
    renewal_notice_days: int
    termination_notice_days: int
    automatic_countersignature: bool
    trial_days: int = 0
    """Free days from the start (0: no trial); billing charges from the day after them."""
    trial_requires_payment_method: bool = False

    def revised(self, **changes: object) -> ContractTerms:
        """These terms with some changed, checked."""
        terms = replace(self, **changes)  # type: ignore[arg-type]
        check_terms(terms)
        return terms


def standard_terms(
    policy: ContractPolicy,
    payment_terms_days: int,
    trial_days: int = 0,
    trial_requires_payment_method: bool = False,
) -> ContractTerms:
    """The terms a freshly drafted contract gets: the quote's payment terms and trial, the
    rest from the policy."""
    terms = ContractTerms(
        trial_days=trial_days,
        trial_requires_payment_method=trial_requires_payment_method,
        payment_terms_days=payment_terms_days,
        billing_timing=policy.billing_timing,
        auto_renew=policy.auto_renew,
        uplift_percent=policy.uplift_percent,
        renewal_notice_days=policy.renewal_notice_days,
        termination_notice_days=policy.termination_notice_days,
        automatic_countersignature=policy.automatic_countersignature,
    )
    check_terms(terms)
    return terms


def check_terms(terms: ContractTerms) -> None:
    """Refuse terms that can never be valid (RuleViolation with the reason)."""
    if not 0 <= terms.payment_terms_days <= 365:
        raise RuleViolation(
            f"payment terms must be net 0 to net 365 days, not net {terms.payment_terms_days}"
        )
    if terms.billing_timing not in BILLING_TIMINGS:
        raise RuleViolation("billing timing must be in_advance or in_arrears")
    if not Decimal(0) <= terms.uplift_percent <= Decimal(100):
        raise RuleViolation(
            f"renewal uplift must be between 0 and 100 percent, not {terms.uplift_percent}"
        )
    if not 0 <= terms.renewal_notice_days <= 365:
        raise RuleViolation(
            f"renewal notice must be 0 to 365 days, not {terms.renewal_notice_days}"
        )
    if not 0 <= terms.trial_days <= MAX_TRIAL_DAYS:
        raise RuleViolation(f"a trial must be 0 to {MAX_TRIAL_DAYS} days, not {terms.trial_days}")
    if not 0 <= terms.termination_notice_days <= 365:
        raise RuleViolation(
            f"termination notice must be 0 to 365 days, not {terms.termination_notice_days}"
        )
