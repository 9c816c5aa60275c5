"""What every printed document shares: the official date form and the PDF's metadata in the document's language.

The official date is not CLDR's long date: Kazakh official documents write «2026 жылғы 1 желтоқсан» (year, then
«жылғы», then the day and the month in the nominative), Russian ones «1 декабря 2026 года» (the month in the
genitive, then «года»). CLDR gives «2026 ж. 1 желтоқсан» and «1 декабря 2026 г.», right for pages, too casual for
a certificate. Month names come from Babel (the catalogue of the language), the order from the catalogues.
"""
from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date
from flask_babel import force_locale, to_user_timezone
from flask_babel import gettext as _

LANGUAGES = ("kk", "ru")  # the state language first


def official_date(value: date | datetime | None, locale: str) -> str:
    """«2026 жылғы 1 желтоқсан» / «1 декабря 2026 года»; a stored (UTC) moment counts by the local day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    # "d MMMM": Russian gives the genitive («1 декабря»), Kazakh the nominative («1 желтоқсан»), both as required.
    day_month = format_date(value, "d MMMM", locale=locale)
    with force_locale(locale):
        return _("%(year)s year, %(day_month)s (official date)", year=value.year, day_month=day_month)


def in_languages(make, languages=LANGUAGES) -> dict[str, object]:
    """`make()` called once per language with that locale forced: {"kk": ..., "ru": ...}."""
    result = {}
    for code in languages:
        with force_locale(code):
            result[code] = make()
    return result


def set_metadata(pdf, *, title: str, subject: str, language: str) -> None:
    """Title, subject, author (the operator, named in that language) and language of a PDF, as a reader's
    viewer and a screen reader show them. Call with the locale of the document forced."""
    pdf.set_title(title)
    pdf.set_subject(subject)
    pdf.set_author(_("National Chamber of Entrepreneurs of the Republic of Kazakhstan “Atameken”"))
    pdf.set_creator(_("Bastau Business"))
    pdf.set_lang(language)
