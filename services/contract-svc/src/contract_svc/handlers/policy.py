"""Configuring the contract policy table (standard terms for new drafts)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert

from contract_svc.adapters.tables import contract_policies
from contract_svc.domain.policy import ContractPolicy, standard_terms
from contract_svc.handlers.records import load_policy
from l2c_runtime.errors import RuleViolation
from l2c_runtime.unit_of_work import UnitOfWork


async def update_policy(
    changes: dict[str, Any], uow: UnitOfWork, name: str = "default"
) -> ContractPolicy:
    """Change the named policy; it applies to contracts drafted from now on (drafts keep the
    terms they were given)."""
    policy = replace(await load_policy(uow, name), **changes)
    if policy.max_standard_payment_terms_days < 0:
        raise RuleViolation("the standard payment terms limit cannot be negative")
    standard_terms(policy, payment_terms_days=0)  # refuses impossible standard terms
    values = vars(policy)
    await uow.session.execute(
        pg_insert(contract_policies)
        .values(name=name, **values)
        .on_conflict_do_update(index_elements=[contract_policies.c.name], set_=values)
    )
    return policy
