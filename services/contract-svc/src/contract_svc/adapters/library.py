"""contract-svc's clause library as the API lists it."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from contract_svc.adapters.tables import clause_templates
from l2c_runtime.http.params import Page
from l2c_runtime.unit_of_work import UnitOfWork


async def clause_template_rows(uow: UnitOfWork, page: Page) -> list[RowMapping]:
    """The clause templates by code."""
    query = sa.select(clause_templates).order_by("code").limit(page.limit).offset(page.offset)
    return [row._mapping for row in await uow.session.execute(query)]
