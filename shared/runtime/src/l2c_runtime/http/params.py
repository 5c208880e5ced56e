"""Bounded path and query parameters, one definition for every service's API.

Control characters in a path or query are refused for every route by the RequestGuard
middleware; these types add the lengths and ranges.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Path, Query

T = TypeVar("T")

MAX_PAGE = 500
"""The largest page any list endpoint returns."""
MAX_OFFSET = 100_000
"""Deeper than this, filter instead of paging (an OFFSET scan reads every skipped row)."""

CodePath = Annotated[str, Path(min_length=1, max_length=64)]
"""A short name in a path: a rule, a team, a metric, a jurisdiction, a pipeline."""
NamePath = Annotated[str, Path(min_length=1, max_length=200)]
"""A longer identifier in a path: a rep's id, an external reference."""
TextQuery = Annotated[str | None, Query(max_length=200)]
"""An optional text filter."""


@dataclass(frozen=True)
class Page:
    """`limit` rows after skipping `offset`, in the endpoint's documented order."""

    limit: int
    offset: int

    def of(self, rows: Sequence[T]) -> list[T]:
        """This page of rows already loaded (for short lists such as configuration)."""
        return list(rows[self.offset : self.offset + self.limit])


def _page(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="rows per page")] = 100,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="rows to skip (the next page's offset)")
    ] = 0,
) -> Page:
    return Page(limit, offset)


PageDep = Annotated[Page, Depends(_page)]
"""FastAPI dependency: the page a list endpoint was asked for."""
