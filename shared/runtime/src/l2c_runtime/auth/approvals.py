"""Who may decide an approval step: a holder of the step's role, and never the owner or
creator of the thing approved (no approving one's own discount or contract terms)."""

from __future__ import annotations

from collections.abc import Iterable

from l2c_runtime.auth.principal import Principal
from l2c_runtime.errors import Forbidden


def ensure_may_decide(
    approver: Principal, step_no: int, step_role: str, what: str, owners: Iterable[str | None]
) -> None:
    """Forbidden (403) with the reason unless `approver` holds `step_role` and neither owns
    nor created `what`."""
    if step_role not in approver.roles:
        held = ", ".join(sorted(approver.roles)) or "none"
        raise Forbidden(f"approval step {step_no} needs the role {step_role!r}; yours: {held}")
    if approver.subject in {owner for owner in owners if owner}:
        raise Forbidden(f"{approver.subject} may not approve their own {what}")
