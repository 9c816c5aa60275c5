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


def page_of(query: sa.Select, page: Any, size: int) -> Paged:
    """Page `page` (1-based; anything else, or past the end, is the nearest real page) of a sorted query."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // size))
    number = page if isinstance(page, int) else 1
    number = min(max(1, number), pages)
    items = db.session.scalars(query.limit(size).offset((number - 1) * size)).all() if total else []
    return Paged(list(items), total, number, pages)
