"""Printed documents in both languages (issue 17): the certificate in Kazakh and Russian on one page, Kazakh first;
the defence protocol in the commission's (the cohort's) language; the receipt in the applicant's language; the
official date form on every printed document; every PDF's metadata in the document's language."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from pypdf import PdfReader

from bastau.documents import official_date
from bastau.extensions import db
from bastau.models import Application, Certificate, CertificateKind, Cohort, DefenceSession
from tests.conftest import page_text, translated
from tests.test_defence import _close_with_scores, cohort_id, members, people, staff  # noqa: F401 (fixtures)
from tests.test_my_data import graduate, opened  # noqa: F401 (fixture)
from tests.test_plans import folder, participant  # noqa: F401 (fixtures)

CHAMBER = "National Chamber of Entrepreneurs of the Republic of Kazakhstan “Atameken”"


def _flat(text: str) -> str:
    return " ".join(text.split())


def _read(data: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(data))
    return _flat(" ".join(page.extract_text() for page in reader.pages)), reader


def _language(reader: PdfReader) -> str:
    return str(reader.trailer["/Root"]["/Lang"])


@pytest.mark.parametrize(("day", "kk", "ru"), [
    (date(2026, 12, 1), "2026 жылғы 1 желтоқсан", "1 декабря 2026 года"),
    (date(2013, 5, 21), "2013 жылғы 21 мамыр", "21 мая 2013 года"),
    (date(2027, 3, 8), "2027 жылғы 8 наурыз", "8 марта 2027 года"),
])
def test_official_date_is_the_form_of_official_documents_not_cldr_long(app, day, kk, ru):
    with app.test_request_context():
        assert official_date(day, "kk") == kk
        assert official_date(day, "ru") == ru
        with force_locale("kk"):  # the page's language does not leak into a forced document language
            assert official_date(day, "ru") == ru
        assert official_date(None, "kk") == ""


def test_certificate_holds_both_languages_kazakh_first_with_official_dates_and_metadata(
        app, client, staff, members, people, cohort_id, store):
    _close_with_scores(app, client, staff, members, people, cohort_id)
    certificate = store.scalar(sa.select(Certificate).where(Certificate.application_id == people["good"]))
    client.set_cookie("lang", "ru")  # the staff member's page language changes nothing on the certificate
    response = client.get(f"/staff/certificates/{certificate.id}.pdf")
    assert response.status_code == 200
    text, reader = _read(response.data)
    assert len(reader.pages) == 1
    kk_title = translated("Certificate of completion", "kk").upper()
    ru_title = translated("Certificate of completion", "ru").upper()
    kk_statement = translated("completed the training and defended a business plan before the commission", "kk")
    ru_statement = translated("completed the training and defended a business plan before the commission", "ru")
    for kk, ru in ((kk_title, ru_title), (_flat(kk_statement), _flat(ru_statement)),
                   (_flat(translated(CHAMBER, "kk")), _flat(translated(CHAMBER, "ru")))):
        assert kk in text and ru in text
        assert text.index(kk) < text.index(ru), f"Kazakh must come first: {kk!r}"
    with app.test_request_context():
        issued = {code: translated("Issued on %(date)s", code, date=official_date(certificate.issued_on, code))
                  for code in ("kk", "ru")}
    assert "жылғы" in issued["kk"] and issued["ru"].endswith("года")
    assert _flat(issued["kk"]) in text and _flat(issued["ru"]) in text
    assert text.index(_flat(issued["kk"])) < text.index(_flat(issued["ru"]))
    assert text.count(certificate.number) >= 2 and text.count("Сәрсенбаева") == 2  # once per half

    metadata = reader.metadata
    assert metadata.title == f"{translated('Certificate of completion', 'kk')} / " \
                             f"{translated('Certificate of completion', 'ru')}"
    assert metadata.author == translated(CHAMBER, "kk")
    assert metadata.subject.startswith(translated("Bastau Business entrepreneurship training programme", "kk"))
    assert _language(reader) == "kk"


def test_a_participation_certificate_says_so_in_both_languages(app, client, staff, members, people, cohort_id,
                                                                store):
    _close_with_scores(app, client, staff, members, people, cohort_id)
    certificate = store.scalar(sa.select(Certificate).where(Certificate.application_id == people["weak"]))
    assert certificate.kind == CertificateKind.PARTICIPATION
    text, reader = _read(client.get(f"/staff/certificates/{certificate.id}.pdf").data)
    for code in ("kk", "ru"):
        assert translated("Certificate of participation", code).upper() in text
        assert _flat(translated("took part in the training", code)) in text
    assert translated("Certificate of completion", "kk").upper() not in text
    assert reader.metadata.title.startswith(translated("Certificate of participation", "kk"))


@pytest.mark.parametrize(("cohort_language", "page_language"), [("kk", "ru"), ("ru", "kk")])
def test_protocol_pdf_is_in_the_commissions_language_whatever_the_page(
        app, client, staff, members, people, cohort_id, store, cohort_language, page_language):
    store.execute(sa.update(Cohort).where(Cohort.id == cohort_id).values(language=cohort_language))
    session_id = _close_with_scores(app, client, staff, members, people, cohort_id)
    held_on = store.scalar(sa.select(DefenceSession.held_on).where(DefenceSession.id == session_id))
    client.set_cookie("lang", page_language)
    page = client.get(f"/defence/{session_id}/protocol")
    assert translated("The PDF of the protocol is in the language of the cohort, in which the commission heard "
                      "the defence.", page_language) in page_text(page)
    response = client.get(f"/defence/{session_id}/protocol.pdf")
    assert response.status_code == 200
    text, reader = _read(response.data)
    title = translated("Protocol of the business plan defence", cohort_language)
    assert title in text and translated("Protocol of the business plan defence", page_language) not in text
    with app.test_request_context():
        date_line = translated("Date of the defence: %(date)s", cohort_language,
                               date=official_date(held_on, cohort_language))
    assert _flat(date_line) in text
    assert reader.metadata.title == title
    assert reader.metadata.author == translated(CHAMBER, cohort_language)
    assert _language(reader) == cohort_language


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_my_data_pdf_has_the_document_date_and_metadata_in_its_language(app, graduate, locale):
    response = opened(app, graduate, locale).get("/status/my-data.pdf")
    text, reader = _read(response.data)
    with app.test_request_context():
        today_line = translated("Date of the document: %(date)s", locale,
                                date=official_date(date.today(), locale))
    # generated today (local day); either side of midnight UTC the year and month words still match
    assert _flat(today_line).split(":")[0] in text
    assert re.search(r"\d{4} жылғы \d{1,2} \w+" if locale == "kk" else r"\d{1,2} \w+ \d{4} года", text)
    assert reader.metadata.title == translated("My data in the Bastau programme", locale)
    assert reader.metadata.author == translated(CHAMBER, locale)
    assert _language(reader) == locale


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_receipt_prints_the_official_date_in_the_applicants_language(app, make_application, locale):
    application_id = make_application(language=locale)
    client = app.test_client()
    client.set_cookie("lang", locale)
    with client.session_transaction() as session:  # as right after sending the form
        session["apply_receipt"] = {"id": application_id, "code": "12345678"}
    response = client.get("/apply/done")
    assert response.status_code == 200
    with app.test_request_context():
        created_at = db.session.get(Application, application_id).created_at
        expected = official_date(created_at, locale)
    assert "жылғы" in expected if locale == "kk" else expected.endswith("года")
    assert f'<dd id="receipt-date">{expected}</dd>' in page_text(response)
    assert translated("Application received", locale) in page_text(response)


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_a_plan_made_from_photos_is_titled_in_the_page_language(client, store, folder, participant, locale):
    from tests.test_plan_photos import photo, send_many
    from tests.test_plans import as_participant, stored_files

    application_id, _trainer = participant
    signed_in = as_participant(client, application_id)
    signed_in.set_cookie("lang", locale)
    response = send_many(signed_in, [(photo("JPEG", (200, 30, 30)), "IMG_0001.jpg"),
                                     (photo("JPEG", (30, 30, 200)), "IMG_0002.jpg")])  # two pages: made into a PDF
    assert response.status_code == 302
    [file] = stored_files(folder)
    reader = PdfReader(io.BytesIO(file.read_bytes()))
    assert reader.metadata.title == translated("Business plan", locale)
    assert reader.metadata.author == translated(CHAMBER, locale)
    assert _language(reader) == locale
