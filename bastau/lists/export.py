"""A list as a spreadsheet (XLSX) or CSV, with headers in the user's language.

Spreadsheet programs run cells that start with = + - @ as formulas; a name or an idea typed by an
applicant must never do that on a clerk's computer. CSV cells get a leading apostrophe; XLSX cells
are written as plain text.
"""
from __future__ import annotations

import csv
import io

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.utils import get_column_letter

from ..forms import EDUCATION_LABELS, SOCIAL_STATUS_LABELS
from ..labels import DECISION_LABELS, RETURN_REASON_LABELS
from ..models import ApplicantList

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADERS = (_l("No."), _l("Reference number"), _l("Surname"), _l("Name"), _l("Patronymic"), _l("IIN"),
           _l("Date of birth"), _l("Mobile phone"), _l("Social status"), _l("Education"), _l("Chamber's decision"),
           _l("Reason"))


def defused(value: str) -> str:
    """Text that a spreadsheet shows as typed instead of running it."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def rows(sent: ApplicantList) -> list[list[str]]:
    table = []
    for number, entry in enumerate(sent.entries, start=1):
        a = entry.application
        table.append([str(number), a.reference, a.surname, a.first_name, a.patronymic or "", a.iin,
                      format_date(a.birth_date, "dd.MM.yyyy"), a.phone, str(SOCIAL_STATUS_LABELS[a.social_status]),
                      str(EDUCATION_LABELS[a.education]), str(DECISION_LABELS[entry.decision]),
                      str(RETURN_REASON_LABELS.get(entry.reason, "")) if entry.reason else ""])
    return table


def as_csv(sent: ApplicantList) -> bytes:
    """Semicolon-separated with a byte-order mark: Excel in Kazakh or Russian opens it as it should."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(h) for h in HEADERS])
    for row in rows(sent):
        writer.writerow([defused(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def as_xlsx(sent: ApplicantList) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = f"{sent.number}-{sent.programme_year}-v{sent.version}"
    sheet.append([str(h) for h in HEADERS])
    for row in rows(sent):
        sheet.append(row)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.data_type = TYPE_STRING  # text, never a formula
    for index, width in enumerate((5, 16, 18, 16, 18, 14, 12, 18, 16, 18, 18, 18), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
