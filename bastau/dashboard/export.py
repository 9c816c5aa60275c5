"""Dashboard tables as XLSX and CSV, with the same conventions as the applicant lists (bastau/lists/export.py):
headers in the user's language, semicolon CSV with a byte-order mark, cells that could run as formulas defused."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.utils import get_column_letter

from ..lists.export import defused


def as_csv(headers, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([defused(str(h)) for h in headers])
    for row in rows:
        writer.writerow(["" if cell is None else defused(str(cell)) if isinstance(cell, str) else _plain(cell)
                         for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _plain(value) -> str:
    """Numbers as a spreadsheet reads them back: no grouping; a decimal point."""
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def as_xlsx(headers, rows, title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31] or "Sheet"
    sheet.append([str(h) for h in headers])
    for row in rows:
        sheet.append([None if cell is None else round(cell, 1) if isinstance(cell, float) else cell for cell in row])
    for line in sheet.iter_rows(min_row=1):
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING  # text, never a formula
    for index in range(1, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 28 if index == 1 else 14
    sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
