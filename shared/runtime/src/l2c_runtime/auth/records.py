"""Object-level access to owned records (leads, opportunities, quotes). A record the caller
may not see is answered exactly like one that does not exist (routes treat it as missing), so
its id cannot be probed; lists leave it out. `Principal.may_see` decides for one record."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from l2c_runtime.auth.principal import Principal


def visible_records(caller: Principal, owner: Any, team: Any) -> sa.ColumnElement[bool]:
    """A WHERE clause keeping the records `caller` may see, given the owner and team columns."""
    if caller.sees_every_record:
        return sa.true()
    mine: list[sa.ColumnElement[bool]] = [owner == caller.subject]
    if caller.teams:
        mine.append(team.in_(sorted(caller.teams)))
    return sa.or_(*mine)
