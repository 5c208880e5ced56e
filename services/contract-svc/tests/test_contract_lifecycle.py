"""Which signatures a contract accepts."""

import pytest

from contract_svc.domain.lifecycle import ContractStatus, sign
from l2c_runtime.errors import Conflict


def test_signing_a_drafted_contract_makes_it_signed() -> None:
    assert sign(ContractStatus.DRAFTED) is ContractStatus.SIGNED


def test_signing_a_signed_contract_is_refused() -> None:
    with pytest.raises(Conflict):
        sign(ContractStatus.SIGNED)
