"""A list as a spreadsheet (XLSX) or CSV, in the user's language, through the shared rules of bastau/exports.py
(real numbers and dates, phones as text, a title row, formulas never run, a file name a person understands)."""
from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from .. import exports
from ..collation import sorted_by_name
from ..forms import EDUCATION_LABELS, SOCIAL_STATUS_LABELS
from ..formats import short_date
from ..labels import DECISION_LABELS, RETURN_REASON_LABELS, plain
from ..models import ApplicantList
from .services import Listed, names_on

HEADERS = (_l("No."), _l("Reference number"), _l("Surname"), _l("Name"), _l("Patronymic"), _l("IIN"),
           _l("Date of birth"), _l("Mobile phone"), _l("Social status"), _l("Education"), _l("Chamber's decision"),
           _l("Reason"))
WIDTHS = [5, 16, 18, 16, 18, 14, 12, 18, 16, 18, 18, 18]


def in_order(names: list[Listed]) -> list[Listed]:
    """A list's names in the page language's alphabetical order (the page and both files number them so)."""
    return sorted_by_name(names, key=lambda e: (e.application.surname, e.application.first_name,
                                                e.application.patronymic or ""))


def entries_in_order(sent: ApplicantList) -> list[Listed]:
    return in_order(names_on(sent))


def rows(sent: ApplicantList) -> list[list]:
    table = []
    social, education = plain(SOCIAL_STATUS_LABELS), plain(EDUCATION_LABELS)
    decisions, reasons = plain(DECISION_LABELS), plain(RETURN_REASON_LABELS)
    for number, entry in enumerate(entries_in_order(sent), start=1):
        a = entry.application
        table.append([number, a.reference, a.surname, a.first_name, a.patronymic or "", a.iin,
                      a.birth_date, exports.Phone(a.phone), social[a.social_status], education[a.education],
                      decisions[entry.decision], reasons.get(entry.reason, "") if entry.reason else ""])
    return table


def title(sent: ApplicantList) -> str:
    return gettext("%(district)s: list No. %(number)s/%(year)s, version %(version)s of %(date)s",
                   district=sent.district.name, number=sent.number, year=sent.programme_year,
                   version=sent.version, date=short_date(sent.created_at))


def table(sent: ApplicantList) -> exports.Table:
    return exports.Table(title=title(sent), headers=[str(h) for h in HEADERS], rows=rows(sent),
                         sheet_name=f"{sent.number}-{sent.programme_year}-v{sent.version}", widths=WIDTHS)


def name_parts(sent: ApplicantList) -> list[str]:
    """«Қарасай ауданы — тізім №1-2026, 2-нұсқа — 01.12.2026»."""
    return [sent.district.name,
            gettext("list No. %(number)s-%(year)s, version %(version)s", number=sent.number,
                    year=sent.programme_year, version=sent.version),
            short_date(sent.created_at)]


def fallback_name(sent: ApplicantList) -> str:
    return f"bastau-list-{sent.district.kato_code}-{sent.programme_year}-{sent.number}-v{sent.version}"


def as_csv(sent: ApplicantList) -> bytes:
    return exports.as_csv(table(sent))


def as_xlsx(sent: ApplicantList) -> bytes:
    return exports.as_xlsx(table(sent))


def download(sent: ApplicantList, kind: str):
    return exports.download(table(sent), kind, name_parts(sent), fallback_name(sent))
