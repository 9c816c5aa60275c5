"""The printed certificate: one A4 landscape page per certificate, in Kazakh and in Russian side by side
(Kazakh first), with a QR code that opens the public verification page."""
from __future__ import annotations

import io

import segno
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from fpdf import FPDF

from ..config import ROOT, public_url
from ..documents import LANGUAGES, in_languages, official_date, set_metadata
from ..formats import percent
from ..i18n import short_date
from ..models import Certificate, CertificateKind
from . import services

FONTS = ROOT / "bastau" / "fonts"
BRAND = (11, 110, 79)


def verification_url(number: str) -> str:
    """Under PUBLIC_URL, not the host the staff member's request came by (an internal name, say)."""
    return public_url("defence.certificate", number=number)


def _qr_png(text: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=10, border=4)
    buffer.seek(0)
    return buffer


def _new_pdf() -> FPDF:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    # Embedded (subset) so that Kazakh letters print on any computer; core PDF fonts have none.
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    return pdf


def _kind_title(kind: CertificateKind) -> str:
    return _("Certificate of completion") if kind == CertificateKind.COMPLETION else _("Certificate of participation")


def _texts(certificate: Certificate, first, last, result) -> dict[str, str | list[str]]:
    """The certificate's words in the forced locale; the name and the numbers are the same in both halves."""
    cohort = certificate.cohort
    locale = str(get_locale())
    if certificate.kind == CertificateKind.COMPLETION:
        statement = _("completed the training and defended a business plan before the commission")
    else:
        statement = _("took part in the training")
    lines = [
        _("District: %(district)s", district=cohort.district.citizen_name),
        _("Cohort №%(title)s, %(first)s – %(last)s", title=cohort.title,
          first=short_date(first), last=short_date(last)),
    ]
    if result is not None and result.defended and result.average_percent is not None:
        lines.append(_("Defence result: %(percent)s", percent=percent(result.average_percent, locale=locale)))
    return {
        "programme": _("Bastau Business entrepreneurship training programme"),
        "title": _kind_title(certificate.kind),
        "statement": statement,
        "lines": lines,
        "number": _("Certificate №%(number)s", number=certificate.number),
        "issued": _("Issued on %(date)s", date=official_date(certificate.issued_on, locale)),
        "check": _("Check this certificate: %(url)s", url=verification_url(certificate.number)),
        "chamber": _("National Chamber of Entrepreneurs of the Republic of Kazakhstan “Atameken”"),
    }


def _half(pdf: FPDF, x: float, width: float, name: str, texts: dict) -> None:
    """One language's half of the page: the same layout on the left (Kazakh) and on the right (Russian)."""
    pdf.set_text_color(*BRAND)
    pdf.set_xy(x, 20)
    pdf.set_font("DejaVu", "B", 12)
    pdf.multi_cell(width, 6, texts["programme"], align="C")
    pdf.set_xy(x, 38)
    pdf.set_font("DejaVu", "B", 20)
    pdf.multi_cell(width, 10, texts["title"].upper(), align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(x, 68)
    pdf.set_font("DejaVu", "B", 17)
    pdf.multi_cell(width, 9, name, align="C")
    pdf.set_x(x)
    pdf.set_font("DejaVu", "", 12)
    pdf.multi_cell(width, 7, texts["statement"], align="C")
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 10.5)
    for line in texts["lines"]:
        pdf.set_x(x)
        pdf.multi_cell(width, 6, line, align="C")
    pdf.set_xy(x, pdf.h - 62)
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(width, 6, texts["number"], align="C")
    pdf.set_x(x)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(width, 6, texts["issued"], align="C")
    pdf.set_x(x)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(width, 4.5, texts["chamber"], align="C")
    pdf.set_x(x)
    pdf.multi_cell(width, 4.5, texts["check"], align="C")


def _page(pdf: FPDF, certificate: Certificate) -> None:
    """Kazakh on the left, Russian on the right: the state language first (Law of the Republic of Kazakhstan
    on languages, art. 9), both because a lender or an employer of either language may be shown it."""
    first, last = services.cohort_dates(certificate.cohort.id)
    result = services.result_of_application(certificate.application.id)
    halves = in_languages(lambda: _texts(certificate, first, last, result))

    pdf.add_page()
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    middle = pdf.w / 2
    pdf.line(middle, 20, middle, pdf.h - 70)
    half_width = middle - 10 - 16
    for code, x in zip(LANGUAGES, (16, middle + 10)):
        _half(pdf, x, half_width, certificate.application.full_name, halves[code])

    qr_size = 28  # between the halves, under the address lines
    pdf.image(_qr_png(verification_url(certificate.number)), x=middle - qr_size / 2, y=pdf.h - 12 - qr_size,
              w=qr_size, h=qr_size)


def _metadata(pdf: FPDF, certificates: list[Certificate]) -> None:
    """Bilingual, Kazakh first, like the page; the document's language is the state language."""
    kinds = {c.kind for c in certificates}
    only_kind = next(iter(kinds)) if len(kinds) == 1 else None
    titles = in_languages(lambda: _kind_title(only_kind) if only_kind else _("Bastau Business"))
    subjects = in_languages(lambda: _("Bastau Business entrepreneurship training programme"))
    with force_locale(LANGUAGES[0]):
        set_metadata(pdf, title=" / ".join(titles[c] for c in LANGUAGES),
                     subject=" / ".join(subjects[c] for c in LANGUAGES), language=LANGUAGES[0])


def render(certificates: list[Certificate]) -> bytes:
    """One PDF with a page per certificate (a cohort's certificates print at once)."""
    pdf = _new_pdf()
    _metadata(pdf, certificates)
    for certificate in certificates:
        _page(pdf, certificate)
    return bytes(pdf.output())


def filename(certificate: Certificate) -> str:
    return f"{certificate.number}.pdf"

