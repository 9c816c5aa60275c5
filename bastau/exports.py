"""Every download of a table (lists, dashboards): CSV and XLSX that open right in a Kazakh- or Russian-locale
Excel, and file names a person understands.

CSV: ";" between cells, "," before decimals, dates as 31.12.2026, UTF-8 with a byte-order mark (without it Excel
reads UTF-8 as the ANSI code page and the Cyrillic turns into mojibake), CRLF line ends. A CSV cell has no type, so
Excel guesses one: a phone number is written the way it is dialled at home, 8 701 123 45 67, which no Excel reads as
a number or a formula (+7… would be run as a formula and 77011234567 shown as 7,7E+10).

XLSX: each cell has its real type: numbers are numbers (with a number format: no decimals, or one), dates are dates
(DD.MM.YYYY), everything else is text. A title row above the header says what the file is (district, list,
version, date).

Formulas: spreadsheet programs run a cell typed as =…, +…, -… or @… (and a tab or CR at the start can hide one). A
name or a note typed by an applicant must never run on a clerk's computer. In XLSX every text cell is stored as
text, which Excel never evaluates, so nothing there is changed. In CSV only text that starts with one of these
characters gets a leading apostrophe (the OWASP advice); numbers, dates and phones never start with one.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "DD.MM.YYYY"
WHOLE_FORMAT = "0"
DECIMAL_FORMAT = "0.0"
# The whole Content-Type header, given as content_type: given as a mimetype, werkzeug appends "; charset=utf-8" to
# any text/* type even when it names one already (the header used to say the charset twice).
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class Phone(str):
    """A stored mobile number (+77011234567), written as text: +7 701 123 45 67 in XLSX, 8 701 123 45 67 in CSV."""


@dataclass
class Table:
    title: str                      # the title row: what the file is
    headers: list[str]
    rows: list[list]                # str, Phone, int, float, date, None
    sheet_name: str = "Bastau"
    widths: list[int] = field(default_factory=list)
    decimals: dict[int, str] = field(default_factory=dict)  # column index -> number format for its floats


def defused(value: str) -> str:
    """CSV text that a spreadsheet shows as typed instead of running it."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _phone_parts(number: str) -> list[str] | None:
    if len(number) == 12 and number.startswith("+7") and number[2:].isdigit():
        d = number[2:]
        return [d[0:3], d[3:6], d[6:8], d[8:10]]
    return None


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Phone):
        parts = _phone_parts(value)
        return "8 " + " ".join(parts) if parts else defused(str(value))
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return defused(str(value))


def as_csv(table: Table) -> bytes:
    """The header row, then the rows (no title row: a CSV is read back by programs too)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([defused(str(h)) for h in table.headers])
    for row in table.rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(table: Table) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_name(table.sheet_name)
    width = max(1, len(table.headers))
    title = sheet.cell(row=1, column=1, value=str(table.title))
    title.data_type = TYPE_STRING
    title.font = Font(bold=True, size=13)
    if width > 1:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    for column, header in enumerate(table.headers, start=1):
        cell = sheet.cell(row=2, column=column, value=str(header))
        cell.data_type = TYPE_STRING
        cell.font = Font(bold=True)
    for row_number, row in enumerate(table.rows, start=3):
        for column, value in enumerate(row, start=1):
            _xlsx_cell(sheet.cell(row=row_number, column=column), value, table.decimals.get(column - 1))
    for column, cells in enumerate(table.widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = cells
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(cell, value, decimals: str | None) -> None:
    if value is None or value == "":
        return  # an empty cell, not an empty string
    if isinstance(value, Phone):
        parts = _phone_parts(value)
        cell.value = "+7 " + " ".join(parts) if parts else str(value)
        cell.data_type = TYPE_STRING
    elif isinstance(value, bool):
        cell.value = int(value)
        cell.number_format = WHOLE_FORMAT
    elif isinstance(value, int):
        cell.value = value
        cell.number_format = WHOLE_FORMAT
    elif isinstance(value, float):
        cell.value = value
        cell.number_format = decimals or DECIMAL_FORMAT
    elif isinstance(value, (date, datetime)):
        cell.value = value
        cell.number_format = DATE_FORMAT + (" hh:mm" if isinstance(value, datetime) else "")
    else:
        cell.value = str(value)
        cell.data_type = TYPE_STRING  # text, never a formula


def _sheet_name(name: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", "-", name).strip("'") or "Bastau"
    return cleaned[:31]


# ---- file names ----

_UNSAFE = re.compile(r'[\x00-\x1f\x7f"*/:<>?\\|]+')


def file_name(*parts: str, extension: str) -> str:
    """«Қарасай ауданы — тізім №1-2026 — 01.12.2026.xlsx»: the parts joined, no character a file system or a
    header refuses (slashes, quotes, control characters), at most 150 characters before the extension."""
    text = " — ".join(" ".join(_UNSAFE.sub("-", str(p)).split()) for p in parts if p)
    return f"{text[:150].strip(' .-') or 'bastau'}.{extension}"


def content_disposition(name: str, fallback: str) -> str:
    """attachment with the real name (RFC 6266 filename*, UTF-8) and a plain ASCII one for old programs."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "-", fallback).strip("-") or "bastau"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def download(table: Table, kind: str, name_parts: list[str], fallback: str) -> Response:
    """The table as a download of `kind` ("csv" or "xlsx"), named by `name_parts`."""
    body = as_csv(table) if kind == "csv" else as_xlsx(table)
    response = Response(body, content_type=CONTENT_TYPES[kind])
    response.headers["Content-Disposition"] = content_disposition(file_name(*name_parts, extension=kind),
                                                                  f"{fallback}.{kind}")
    response.headers["Cache-Control"] = "no-store"
    return response
