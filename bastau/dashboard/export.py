"""Dashboard tables as XLSX and CSV, through the shared rules of bastau/exports.py: real numbers (one decimal for
rates) in XLSX, "," decimals in the ";" CSV, a title row (the place, the table, the year, the day), a file name a
person understands."""
from __future__ import annotations

from flask_babel import gettext

from .. import exports
from ..clock import today
from ..i18n import short_date


def table(headers, rows, place: str, what: str) -> exports.Table:
    day = short_date(today())
    return exports.Table(title=gettext("%(place)s: %(what)s, as of %(date)s", place=place, what=what, date=day),
                         headers=[str(h) for h in headers],
                         rows=[[round(c, 1) if isinstance(c, float) else c for c in row] for row in rows],
                         sheet_name=what, widths=[28] + [14] * (len(headers) - 1))


def download(kind: str, headers, rows, *, place: str, what: str, fallback: str):
    return exports.download(table(headers, rows, place, what), kind, [place, what, short_date(today())], fallback)


def as_csv(headers, rows, place: str = "", what: str = "") -> bytes:
    return exports.as_csv(table(headers, rows, place, what))


def as_xlsx(headers, rows, place: str = "", what: str = "") -> bytes:
    return exports.as_xlsx(table(headers, rows, place, what))
