"""billing-svc's own settings, from the environment."""

from __future__ import annotations

import os
from decimal import Decimal


def usage_grace_days() -> int:
    """Days after a period ends during which late usage still lands on its invoice; the
    invoice is issued when they are over (env L2C_BILLING_USAGE_GRACE_DAYS, default 1)."""
    return int(os.environ.get("L2C_BILLING_USAGE_GRACE_DAYS", "1"))


def auto_finalize() -> bool:
    """Whether a new subscription's invoices are issued by the billing run as it makes them
    (true) or left as drafts that finance finalizes (env L2C_BILLING_AUTO_FINALIZE, default
    true). PUT /subscriptions/{id}/auto-finalize changes it per subscription."""
    return os.environ.get("L2C_BILLING_AUTO_FINALIZE", "true").strip().lower() not in {
        "0",
        "false",
        "no",
        "off",
    }


def issuer_name() -> str:
    """Who issues the invoices, printed on each invoice document (env L2C_BILLING_ISSUER)."""
    return os.environ.get("L2C_BILLING_ISSUER", "L2C")


def trial_notice_days() -> int:
    """How many days before the first paid day TrialEnding is sent (env
    L2C_BILLING_TRIAL_NOTICE_DAYS, default 3, as card networks and Stripe remind customers)."""
    return int(os.environ.get("L2C_BILLING_TRIAL_NOTICE_DAYS", "3"))


def credit_approval_threshold() -> Decimal:
    """A credit note by hand whose total (with tax, in the invoice's currency) is above this
    waits for a second finance user's approval (env L2C_BILLING_CREDIT_APPROVAL_THRESHOLD,
    default 1000.00; 0 makes every credit note by hand need one)."""
    return Decimal(os.environ.get("L2C_BILLING_CREDIT_APPROVAL_THRESHOLD", "1000.00"))
