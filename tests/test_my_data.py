""""My data" (bastau/status/my_data.py): after the status look-up the person downloads everything held about them,
as a PDF in the page's language and as JSON, with the office that made each decision; the downloads only read."""
from __future__ import annotations

import io
import json
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from bastau import demo
from bastau.extensions import db
from bastau.models import (
    ApplicantList,
    Application,
    Attendance,
    BusinessFollowUp,
    Certificate,
    DefenceReopening,
    DefenceScore,
    DefenceSession,
    ExpulsionReview,
    ListEntry,
    Mark,
    RevokedCertificate,
    Role,
    RubricCriterion,
    SmsMessage,
    TestMethod,
    TestSitting,
    TrainingDay,
    User,
)
from bastau.status import my_data
from tests.conftest import page_text, translated
from tests.journey import look_up

GRADUATE = "Әбілқасымова"  # the demo's defended graduate, referred for a loan


@pytest.fixture
def graduate(app):
    """The demo graduate, with a row in every table that can hold something about a person."""
    with app.app_context():
        demo.load()
        person = db.session.scalar(sa.select(Application).where(Application.surname == GRADUATE))
        chamber = db.session.scalar(sa.select(User).where(User.role == Role.CHAMBER_STAFF))
        member = db.session.scalar(sa.select(User).where(User.role == Role.COMMISSION))
        day = db.session.scalar(sa.select(TrainingDay).where(TrainingDay.cohort_id == person.cohort_id)
                                .order_by(TrainingDay.day_number).limit(1))
        session = db.session.scalar(sa.select(DefenceSession).where(DefenceSession.cohort_id == person.cohort_id))
        criterion = db.session.scalar(sa.select(RubricCriterion).limit(1))
        listed = db.session.scalar(sa.select(ApplicantList).limit(1))
        certificate = db.session.scalar(sa.select(Certificate).where(Certificate.application_id == person.id))
        reopening = DefenceReopening(session_id=session.id, closed_at=datetime(2026, 5, 1), reopened_by_id=chamber.id,
                                     reason="Қате балл")
        db.session.add(reopening)
        db.session.flush()
        db.session.add_all([
            TestSitting(application_id=person.id, method=TestMethod.PAPER, opened_by_id=chamber.id, score=31,
                        max_score=40, pass_mark=24, passed=True, finished_at=datetime(2026, 3, 20, 6)),
            ListEntry(list_id=listed.id, application_id=person.id),
            Attendance(training_day_id=day.id, application_id=person.id, mark=Mark.EXCUSED, reason="illness",
                       note="Аурухана анықтамасы", recorded_by_id=chamber.id),
            ExpulsionReview(application_id=person.id, expel=False, reason="catching_up", decided_on=date(2026, 4, 20),
                            unexcused_days=4, decided_by_id=member.id),
            DefenceScore(session_id=session.id, application_id=person.id, member_id=member.id,
                         criterion_id=criterion.id, points=8),
            RevokedCertificate(number="BB26-REVOKED0001", application_id=person.id, kind=certificate.kind,
                               cohort_id=person.cohort_id, issued_on=date(2026, 5, 1), revoked_on=date(2026, 5, 10),
                               reopening_id=reopening.id),
            BusinessFollowUp(application_id=person.id, months_after=6, business_opened=True,
                             opened_on=date(2026, 9, 1), jobs_created=2, recorded_by_id=chamber.id),
            SmsMessage(key=f"test-code-{person.id}", application_id=person.id, phone=person.phone, language="kk",
                       kind="access_code", text="Bastau: жаңа кодыңыз 1234 5678"),
        ])
        db.session.commit()
        return {"id": person.id, "reference": person.reference, "iin": person.iin, "phone": person.phone,
                "hash": person.access_code_hash, "lender_kk": "Аграрлық несие корпорациясы",
                "lender_ru": "Аграрная кредитная корпорация"}


def opened(app, graduate, locale="kk"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    response = look_up(client, {"reference": graduate["reference"], "iin": graduate["iin"],
                                "access_code": demo.DEMO_ACCESS_CODE})
    assert response.status_code == 302, page_text(response)[:500]
    return client


def referring_tables() -> set[str]:
    return {table.name for table in db.metadata.sorted_tables
            if any(fk.column.table.name == "application" for fk in table.foreign_keys)}


def test_every_table_about_a_person_is_in_the_json(app, graduate):
    data = json.loads(opened(app, graduate).get("/status/my-data.json").data)
    tables = referring_tables()
    assert tables, "the walk found no table"
    for table in tables:
        if table in my_data.SECTIONS:
            assert data[my_data.SECTIONS[table]], f"{table}: its section {my_data.SECTIONS[table]!r} is empty"
        elif table in my_data.BOOKKEEPING:
            assert my_data.BOOKKEEPING[table] in data
        else:  # a table added later still comes out, as it is
            assert table in data["other_records"], table
    person = data["application"]
    assert (person["reference"], person["iin"], person["phone"]) == (graduate["reference"], graduate["iin"],
                                                                     graduate["phone"])
    assert data["consent"]["version"] and data["consent"]["language"] in ("kk", "ru")
    assert data["cohort"]["title"] and data["attendance"][0]["reason"] == "illness"
    assert data["attendance"][0]["note"] == "Аурухана анықтамасы"
    assert data["defence_results"][0]["defended"] is True and data["defence_scores"][0]["points"] == 8
    assert data["loan_referrals"][0]["lender"] and data["follow_ups"][0]["jobs_created"] == 2
    assert data["certificates"][0]["number"] and data["revoked_certificates"][0]["number"] == "BB26-REVOKED0001"


def test_each_decision_names_the_office_that_made_it(app, graduate):
    data = json.loads(opened(app, graduate).get("/status/my-data.json").data)
    offices = {d["to"]: d["office"] for d in data["status_changes"]}
    assert offices["target_group_confirmed"]["kind"] == "centre_officer"
    assert offices["target_group_confirmed"]["district_kato"] == "195200000"
    assert offices["list_approved"]["kind"] == "chamber_staff"
    assert offices["in_training"]["kind"] == "calendar"
    assert offices["loan_approved"] == {"kind": "lender", "name": graduate["lender_kk"]}
    dated = [d["at"] for d in data["status_changes"]]
    assert dated == sorted(dated) and all(datetime.fromisoformat(at) for at in dated)
    assert "actor_id" not in json.dumps(data)  # offices, never a member of staff's account


def test_no_secret_and_no_staff_identity_in_the_file(app, graduate):
    body = opened(app, graduate).get("/status/my-data.json").get_data(as_text=True)
    assert graduate["hash"] not in body and "hash" not in body and "1234 5678" not in body
    assert "submission_key" not in body and "_by_id" not in body
    with app.app_context():
        names = [u.full_name for u in db.session.scalars(sa.select(User))]
    assert not [name for name in names if name in body]


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_the_pdf_is_in_the_page_language_with_the_offices(app, graduate, locale):
    client = opened(app, graduate, locale)
    response = client.get("/status/my-data.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"] and response.headers["Cache-Control"] == "no-store"
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages)
    place = {"kk": "Қарасай ауданы", "ru": "Карасайский район"}[locale]
    for expected in (translated("My data in the Bastau programme", locale), graduate["reference"], graduate["iin"],
                     translated("Employment centre of %(place)s", locale, place=place),
                     translated("Lender: %(name)s", locale, name=graduate[f"lender_{locale}"]),
                     translated("Automatically, by the programme's calendar", locale),
                     translated("SMS sent to you", locale), "BB26-REVOKED0001"):
        assert " ".join(expected.split()) in text, expected


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_the_status_page_links_both_downloads(app, graduate, locale):
    page = page_text(opened(app, graduate, locale).get("/status/view"))
    assert 'href="/status/my-data.pdf"' in page and 'href="/status/my-data.json"' in page
    assert translated("My data (PDF)", locale) in page
    assert translated("Everything we hold about you, with who made each decision:", locale) in page


def test_the_downloads_write_nothing(app, graduate):
    client = opened(app, graduate)

    def counts():
        with app.app_context():
            return {t.name: db.session.scalar(sa.text(f"SELECT count(*) FROM {t.name}"))
                    for t in db.metadata.sorted_tables if t.name != "web_session"}

    before = counts()
    assert client.get("/status/my-data.json").status_code == 200
    assert client.get("/status/my-data.pdf").status_code == 200
    assert counts() == before


def test_without_the_look_up_there_is_nothing_to_download(app, graduate):
    client = app.test_client()
    for path in ("/status/my-data.json", "/status/my-data.pdf"):
        response = client.get(path)
        assert response.status_code == 302 and response.location.endswith("/status")
