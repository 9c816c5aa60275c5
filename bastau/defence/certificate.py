"""The printed certificate: one A4 landscape page per certificate, in the participant's training language,
with a QR code that opens the public verification page."""
from __future__ import annotations

import io

import segno
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF

from ..config import ROOT, public_url
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
    pdf.set_title("Bastau Business")
    pdf.set_creator("Bastau")
    return pdf


def _page(pdf: FPDF, certificate: Certificate) -> None:
    application, cohort = certificate.application, certificate.cohort
    first, last = services.cohort_dates(cohort.id)
    result = services.result_of_application(application.id)
    with force_locale(certificate.language):
        title = (_("Certificate of completion") if certificate.kind == CertificateKind.COMPLETION
                 else _("Certificate of participation"))
        programme = _("Bastau Business entrepreneurship training programme")
        if certificate.kind == CertificateKind.COMPLETION:
            statement = _("completed the training and defended a business plan before the commission")
        else:
            statement = _("took part in the training")
        district = cohort.district.name
        lines = [
            _("District: %(district)s", district=district),
            _("Cohort №%(title)s, %(first)s – %(last)s", title=cohort.title,
              first=short_date(first), last=short_date(last)),
        ]
        if result is not None and result.defended and result.average_percent is not None:
            lines.append(_("Defence result: %(percent)s%%", percent=result.average_percent))
        number_line = _("Certificate №%(number)s", number=certificate.number)
        issued_line = _("Issued on %(date)s", date=short_date(certificate.issued_on))
        check_line = _("Check this certificate: %(url)s", url=verification_url(certificate.number))
        chamber = _("National Chamber of Entrepreneurs of the Republic of Kazakhstan “Atameken”")

    pdf.add_page()
    width = pdf.w - 40
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_text_color(*BRAND)
    pdf.set_xy(20, 24)
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(width, 8, programme, align="C")
    pdf.set_xy(20, 44)
    pdf.set_font("DejaVu", "B", 30)
    pdf.multi_cell(width, 14, title.upper(), align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(20, 72)
    pdf.set_font("DejaVu", "B", 24)
    pdf.multi_cell(width, 12, application.full_name, align="C")
    pdf.set_x(20)
    pdf.set_font("DejaVu", "", 15)
    pdf.multi_cell(width, 9, statement, align="C")
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 13)
    for line in lines:
        pdf.set_x(20)
        pdf.multi_cell(width, 8, line, align="C")

    qr_size = 42
    qr_x, qr_y = pdf.w - 20 - qr_size, pdf.h - 22 - qr_size
    pdf.image(_qr_png(verification_url(certificate.number)), x=qr_x, y=qr_y, w=qr_size, h=qr_size)
    pdf.set_xy(20, pdf.h - 58)
    pdf.set_font("DejaVu", "B", 13)
    pdf.cell(qr_x - 25, 8, number_line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(20)
    pdf.set_font("DejaVu", "", 12)
    pdf.cell(qr_x - 25, 7, issued_line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(20)
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(qr_x - 25, 5, check_line)
    pdf.set_x(20)
    pdf.multi_cell(qr_x - 25, 5, chamber)


def render(certificates: list[Certificate]) -> bytes:
    """One PDF with a page per certificate (a cohort's certificates print at once)."""
    pdf = _new_pdf()
    for certificate in certificates:
        _page(pdf, certificate)
    return bytes(pdf.output())


def filename(certificate: Certificate) -> str:
    return f"{certificate.number}.pdf"

