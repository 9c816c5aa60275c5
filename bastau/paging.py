"""A long list cut into pages in the database: the page asked for, and how many there are.

Every list that can grow with the years (the test waiting list, financing, the follow-ups due) is sorted in the
database and cut there, so a page costs the same with 50 rows in the district or 5,000, and nobody drops off the
end of a silent cap. Templates draw the links with the `pager` macro of templates/_macros.html.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .extensions import db


@dataclass(frozen=True)
class Paged:
    items: list[Any]
    total: int
    page: int
    pages: int


def page_of(query: sa.Select, page: Any, size: int, whole_rows: bool = False) -> Paged:
    """Page `page` (1-based; anything else, or past the end, is the nearest real page) of a sorted query. Each item
    is the query's first column (an entity), or with `whole_rows` its whole row.

    One statement in the common case: the rows of the page with the number of all rows beside them (a window
    count, made in the same pass as the sort). Only a page past the end costs a second look, at the last page."""
    number = max(1, page) if isinstance(page, int) else 1
    items, total = _page(query, number, size, whole_rows)
    if not items and number > 1:  # past the end (or the list got shorter): the last page there is
        total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
        number = max(1, -(-total // size))
        items, total = _page(query, number, size, whole_rows) if total else ([], 0)
    return Paged(items, total, number, max(1, -(-total // size)))


def _page(query: sa.Select, number: int, size: int, whole_rows: bool) -> tuple[list[Any], int]:
    rows = db.session.execute(query.add_columns(sa.func.count().over().label("paging_total"))
                              .limit(size).offset((number - 1) * size)).all()
    return [row if whole_rows else row[0] for row in rows], rows[0].paging_total if rows else 0
