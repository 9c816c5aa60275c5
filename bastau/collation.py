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

What counts as the same text, on both databases alike:
- `clean_text(text)` is what every piece of typed text becomes before the app uses it (bastau.forms applies it to
  all of a request's input): NFC, with invisible format characters and control characters taken out;
- `search_key(*parts)` is the one normaliser of searches: rows store it (Application.search_name,
  User.search_name) and the typed query goes through it too, so matching is a plain substring test that SQLite and
  PostgreSQL answer identically: `name_contains(column, text)`.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

import icu
import sqlalchemy as sa

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


# ---- What counts as the same text ----

# Kept controls: a note is written in lines. NUL is left for bastau.security, which refuses the request (nobody
# types one: it is an attack, and says so). Unicode's own line and paragraph separators become plain line breaks.
KEPT_CONTROLS = "\t\n\r\x00"
LINE_SEPARATORS = {"\u2028": "\n", "\u2029": "\n"}
# Searches treat Ё as Е: Russian writes both for the same letter (Ёлкина / Елкина), and people type either.
SEARCH_FOLDS = str.maketrans({"ё": "е"})


# Where Unicode has format and control characters at all: the BMP, plane 1 and plane 14 (the tags). Scanning only
# these keeps building the pattern quick; tests/test_free_text.py checks that no other plane has any.
FORMAT_AND_CONTROL_PLANES = (range(0x20000), range(0xE0000, 0xE1000))


@lru_cache(maxsize=1)
def _invisible() -> re.Pattern:
    """Unicode's format characters (category Cf) and control characters (Cc) but tab, line breaks and NUL.

    Cf are the bidirectional overrides and isolates (U+202A–202E, U+2066–2069, LRM/RLM), zero-width space, joiner
    and non-joiner (U+200B–200D), word joiner (U+2060), the BOM (U+FEFF), the soft hyphen (U+00AD) and the like:
    none is part of how Kazakh or Russian is written (every Kazakh letter is a precomposed code point; combining
    marks such as a stress accent are category Mn and stay), and all of them make a name or a note show other
    than it reads or hide from a search. Cc are the C0 and C1 controls (escape, backspace, bell…)."""
    unwanted = [code for plane in FORMAT_AND_CONTROL_PLANES for code in plane
                if unicodedata.category(chr(code)) in ("Cf", "Cc") and chr(code) not in KEPT_CONTROLS]
    ranges, start = [], unwanted[0]
    for previous, code in zip(unwanted, unwanted[1:] + [None]):
        if code != previous + 1:  # a run ends: one range in the character class
            ranges.append(re.escape(chr(start)) + ("" if previous == start else "-" + re.escape(chr(previous))))
            start = code
    return re.compile("[" + "".join(ranges) + "]+")


def clean_text(text: str) -> str:
    """Typed text as the app keeps it: NFC (е + combining diaeresis is ё), with no invisible format or control
    characters (see _invisible) and Unicode's line separators as plain line breaks."""
    if text.isascii() and text.isprintable():  # almost every value: nothing to do
        return text
    for separator, line_break in LINE_SEPARATORS.items():
        text = text.replace(separator, line_break)
    text = _invisible().sub("", text)
    return text if unicodedata.is_normalized("NFC", text) else unicodedata.normalize("NFC", text)


def search_key(*parts: str | None) -> str:
    """The one form of a name that searches compare: clean, NFC, case-folded (Ә = ә, also for letters the
    database's locale may not know), Ё as Е, single spaces. Stored with each row and applied to the query."""
    text = clean_text(" ".join(part for part in parts if part))
    text = unicodedata.normalize("NFC", text.casefold()).translate(SEARCH_FOLDS)
    return " ".join(text.split())


def name_contains(column, text: str):
    """SQL condition: the stored search key `column` contains what was typed (in any case, with Ё or Е, composed
    or not). A typed % or _ is a character, not a wildcard; nothing typed matches every row."""
    needle = search_key(text)
    return column.contains(needle, autoescape=True) if needle else sa.true()
