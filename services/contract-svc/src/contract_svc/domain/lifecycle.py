"""The contract's lifecycle: which state changes are allowed.

Walking skeleton: drafted → signed. Approvals, amendments, renewals and termination add
states and transitions here.
"""

from __future__ import annotations

from enum import StrEnum

from l2c_runtime.errors import Conflict


class ContractStatus(StrEnum):
    DRAFTED = "drafted"
    SIGNED = "signed"


def sign(status: ContractStatus) -> ContractStatus:
    """The status after a signature. Only a drafted contract can be signed; signing a signed
    contract again is refused (Conflict), so one contract never places two orders."""
    if status is not ContractStatus.DRAFTED:
        raise Conflict(f"only a drafted contract can be signed; this one is {status.value}")
    return ContractStatus.SIGNED
