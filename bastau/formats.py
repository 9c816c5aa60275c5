"""One way per locale to write a percentage, a decimal and a date, for pages, messages and exports alike.

Percentages: the figure, a no-break space, «%» — «82 %», «91,0 %» — in both Kazakh and Russian. CLDR is not
consistent here (Babel gives kk «82%» but ru «82 %», and drops the space in ru once a decimal pattern is given), and
the dashboards already printed «91,0 %»; one rule everywhere is what the reader notices.

Dates: a stored time is UTC and people read the day in Kazakhstan (as Flask-Babel's filters rebased it). A page of
hundreds of rows formats a date on every row, and Babel parses the pattern and looks the locale up on every call
(≈ 40 µs short, 140 µs long): the short form is the same digits in both languages (31.12.2026), written directly;
the long form is kept per day and locale once made."""
from __future__ import annotations

from datetime import date, datetime, timezone
from functools import lru_cache

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal as babel_format_decimal
from flask_babel import get_locale

from .clock import KZ

PERCENT_SIGN = "\u00a0%"


def _locale(locale: str | None) -> str:
    return locale or str(get_locale() or "kk")


def decimal(value: float | int, places: int = 1, locale: str | None = None) -> str:
    """12 345,6 with the locale's grouping (a no-break space) and decimal comma."""
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return babel_format_decimal(value, pattern, locale=_locale(locale))


def percent(value: float | int | None, places: int | None = None, locale: str | None = None) -> str:
    """A value already in percent (82 means 82 %): «82 %», «5,5 %», «91,0 %» (places=1); «—» when there is none.
    Without places a whole number shows no decimals and any other one decimal, so a 5.5 % rate is not rounded."""
    if value is None:
        return "—"
    if places is None:
        places = 0 if float(value).is_integer() else 1
    return decimal(value, places, locale) + PERCENT_SIGN


def _day(value: date | datetime) -> date:
    """The day a stored value falls on in Kazakhstan (a naive datetime is UTC)."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return aware.astimezone(KZ).date()
    return value


def short_date(value: date | datetime | None, locale: str | None = None) -> str:
    """31.12.2026 in both languages (CLDR's dd.MM.yyyy with Latin digits)."""
    return _day(value).strftime("%d.%m.%Y") if value else ""


@lru_cache(maxsize=8192)
def _long_date(day: date, locale: str) -> str:
    return babel_format_date(day, "long", locale=locale)


def long_date(value: date | datetime | None, locale: str | None = None) -> str:
    """«2026 ж. 12 наурыз» / «12 марта 2026 г.»."""
    return _long_date(_day(value), _locale(locale)) if value else ""
