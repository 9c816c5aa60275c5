"""Alphabetical order of names in the page's language, by ICU (the Unicode collation algorithm with CLDR's
rules for Kazakh and Russian), the same library PostgreSQL's "kk-KZ-x-icu" / "ru-RU-x-icu" collations use.

Kazakh: А Ә Б В Г Ғ Д Е Ё Ж З И Й К Қ Л М Н Ң О Ө П Р С Т У Ұ Ү Ф Х Һ Ц Ч Ш Щ Ъ Ы І Ь Э Ю Я.
Russian: the Russian alphabet, each Kazakh letter after the Russian letter it is built on (Ә after А, Ғ after Г,
І after И, Қ after К, Ң after Н, Ө after О, Ү and Ұ after У, Һ after Х).

- `sorted_by_name(rows, key, locale)` sorts rows already loaded;
- `name_key(locale)` is the sort key for `sorted(…, key=…)`;
- `by_name(column, locale)` orders a query in the database (the same order on SQLite and PostgreSQL), so that a
  page can be cut into pages after sorting, never before.
The locale defaults to the page's language (Kazakh outside a request).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

import icu

T = TypeVar("T")
LOCALES = ("kk", "ru")
DEFAULT = "kk"
# The collation each database knows the locale by; SQLite's are registered on connect (register_sqlite).
SQL_COLLATIONS = {"sqlite": {"kk": "kazakh", "ru": "russian"},
                  "postgresql": {"kk": "kk-KZ-x-icu", "ru": "ru-RU-x-icu"}}


def page_locale(locale: str | None = None) -> str:
    """The given locale, else the page's language, else Kazakh."""
    if locale is None:
        try:
            from flask_babel import get_locale
            found = get_locale()
        except (ImportError, RuntimeError):
            found = None
        locale = found.language if found is not None else DEFAULT
    locale = str(locale).split("_")[0].split("-")[0]
    return locale if locale in LOCALES else DEFAULT


@lru_cache(maxsize=None)
def _collator(locale: str) -> icu.Collator:
    # Sort keys and comparisons are const operations on an ICU collator: safe to share between threads.
    return icu.Collator.createInstance(icu.Locale({"kk": "kk_KZ", "ru": "ru_RU"}[locale]))


def name_key(locale: str | None = None) -> Callable[[str | None], bytes]:
    """Sort key of a name in the locale's alphabetical order (None and "" first)."""
    collator = _collator(page_locale(locale))
    return lambda text: collator.getSortKey(text or "")


def sorted_by_name(rows: Iterable[T], key: Callable[[T], str | tuple] = lambda row: row,
                   locale: str | None = None) -> list[T]:
    """Rows sorted by the name(s) `key` gives (a string, or a tuple such as (surname, first name))."""
    one = name_key(locale)

    def row_key(row):
        value = key(row)
        return tuple(one(part) for part in value) if isinstance(value, tuple) else one(value)
    return sorted(rows, key=row_key)


def compare(a: str, b: str, locale: str | None = None) -> int:
    return _collator(page_locale(locale)).compare(a or "", b or "")


def by_name(column, locale: str | None = None, dialect: str | None = None):
    """ORDER BY a name column in the locale's alphabetical order (in the database)."""
    if dialect is None:
        from .extensions import db
        dialect = db.engine.dialect.name
    names = SQL_COLLATIONS.get(dialect)
    return column.collate(names[page_locale(locale)]) if names else column


def register_sqlite(dbapi_connection) -> None:
    """SQLite's collations "kazakh" and "russian", backed by the same ICU collators."""
    for locale, name in SQL_COLLATIONS["sqlite"].items():
        collator = _collator(locale)
        dbapi_connection.create_collation(name, lambda a, b, c=collator: c.compare(a or "", b or ""))
