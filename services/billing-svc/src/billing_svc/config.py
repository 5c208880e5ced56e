"""billing-svc's own settings, from the environment."""

from __future__ import annotations

import os


def usage_grace_days() -> int:
    """Days after a period ends during which late usage still lands on its invoice; the
    invoice is issued when they are over (env L2C_BILLING_USAGE_GRACE_DAYS, default 1)."""
    return int(os.environ.get("L2C_BILLING_USAGE_GRACE_DAYS", "1"))
