"""After a person's data are erased, none of their IIN, names or phone is left anywhere: in any text column of any
table (found by reflecting the schema, so a table added later is searched too), in the audit log, the web
sessions, kept forms, the SMS outbox, the job results, or in the plan folder."""
from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from bastau import audit, demo, personal_data
from bastau.extensions import db
from bastau.lifecycle import APPLICANT
from bastau.models import (
    ApplicantList,
    Application,
    Attendance,
    AuditEntry,
    BusinessPlan,
    Certificate,
    ConsentWithdrawal,
    ExpulsionReview,
    ListEntry,
    LoanReferral,
    Mark,
    Notice,
    Role,
    Sector,
    SmsMessage,
    SmsState,
    Status,
    TestMethod,
    TestSitting,
    TrainingDay,
    User,
    WebSession,
)
from bastau.plans.storage import plan_storage
from bastau.sessions import _hash, _serializer
from bastau.web import OPENED
from tests.conftest import page_text

SURNAME, FIRST_NAME = "Әбілқасымова", "Гүлмира"  # a demo graduate: plan, certificate, approved loan


def _texts(value) -> list[str]:
    """A stored value as a person could read it: JSON (a session) also with its escapes undone."""
    if value is None:
        return []
    text = value.decode("utf-8", "replace") if isinstance(value, (bytes, memoryview)) else str(value)
    shown = [text]
    if text[:1] in "{[":
        try:
            shown.append(json.dumps(json.loads(text), ensure_ascii=False))
        except ValueError:
            pass
    return shown


def found_anywhere(marks: dict[str, str]) -> list[tuple[str, str, str]]:
    """(table, column, which mark) for every text value in the database that holds one of the marks."""
    metadata = sa.MetaData()
    metadata.reflect(bind=db.engine)
    phone_digits = re.sub(r"\D", "", marks["phone"])[-10:]
    hits = []
    with db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, (sa.String, sa.Text, sa.JSON, sa.LargeBinary))
                       or c.type.__class__.__name__ in ("JSONB", "BYTEA", "CLOB")]
            if not columns:
                continue
            for row in conn.execute(sa.select(*columns)):
                for column, value in zip(columns, row):
                    for text in _texts(value):
                        lowered, digits = text.casefold(), re.sub(r"\D", "", text)
                        for name in ("surname", "first_name"):
                            if marks[name].casefold() in lowered:
                                hits.append((table.name, column.name, name))
                        if marks["iin"] in digits:
                            hits.append((table.name, column.name, "iin"))
                        if phone_digits in digits:
                            hits.append((table.name, column.name, "phone"))
    return sorted(set(hits))


def found_in_plan_folder(marks: dict[str, str]) -> list[str]:
    folder = Path(plan_storage().folder)
    needles = [marks["iin"].encode(), marks["surname"].encode(), marks["first_name"].encode()]
    return [path.name for path in folder.glob("*") if path.is_file()
            and any(needle in path.read_bytes() for needle in needles)] if folder.exists() else []


@pytest.fixture
def person_everywhere(app, make_user):
    """The demo world, and one graduate whose data are put in every place a person's data can reach."""
    with app.app_context():
        demo.load()
        person = db.session.scalar(sa.select(Application).where(Application.surname == SURNAME))
        assert db.session.scalar(sa.select(sa.func.count()).where(Application.first_name == FIRST_NAME)) == 1
        chamber = db.session.scalar(sa.select(User).where(User.role == Role.CHAMBER_STAFF))
        marks = {"iin": person.iin, "phone": person.phone, "surname": person.surname,
                 "first_name": person.first_name}
        said = f"{SURNAME} {FIRST_NAME}, ЖСН {person.iin}, тел. {person.phone}"
        person.patronymic, person.business_idea = "Серікқызы", f"Жылыжай — {said}"
        # A plan file whose content and uploaded name carry the person's name (the demo's plans are blank).
        stored = plan_storage().save(io.BytesIO(f"%PDF-1.4 {said}".encode()), ".pdf")
        db.session.add(BusinessPlan(application_id=person.id, version=2, stored_name=stored,
                                    original_name=f"{SURNAME} бизнес-жоспары.pdf", content_type="application/pdf",
                                    size=40, sha256="0" * 64, sector=Sector.SERVICES, village="Шамалған",
                                    amount_needed=1, jobs_planned=1))
        day = db.session.scalar(sa.select(TrainingDay).where(TrainingDay.cohort_id == person.cohort_id).limit(1))
        attendance = db.session.scalar(sa.select(Attendance).where(Attendance.application_id == person.id,
                                                                   Attendance.training_day_id == day.id))
        if attendance is None:
            attendance = Attendance(training_day_id=day.id, application_id=person.id, recorded_by_id=chamber.id)
            db.session.add(attendance)
        attendance.mark, attendance.reason, attendance.note = Mark.EXCUSED, "illness", f"Анықтама: {said}"
        db.session.add(ExpulsionReview(application_id=person.id, expel=False, reason="other", note=said,
                                       decided_on=date(2026, 5, 1), unexcused_days=4, decided_by_id=chamber.id))
        listed = ApplicantList(district_id=person.district_id, programme_year=person.programme_year, number=77,
                               created_by_id=chamber.id, change_note=f"{SURNAME} қосылды; басқалар өзгерген жоқ")
        listed.entries.append(ListEntry(application_id=person.id, note=said))
        db.session.add(listed)
        db.session.add(TestSitting(application_id=person.id, method=TestMethod.TERMINAL, opened_by_id=chamber.id,
                                   code_hash="c" * 64, answers=json.dumps({"1": 2, "note": said}, ensure_ascii=False)))
        referral = db.session.scalar(sa.select(LoanReferral).where(LoanReferral.application_id == person.id))
        referral.decline_reason = said
        audit.record("kept_in_training", chamber, person, reason="other", typed=f"Сөйлестік: {said}")
        db.session.add(Notice(kind="follow_up_due", key=f"test:{person.id}", application_id=person.id,
                              district_id=person.district_id, detail=said))
        for state in (SmsState.QUEUED, SmsState.DELIVERED):
            db.session.add(SmsMessage(key=f"test:{person.id}:{state.value}", application_id=person.id,
                                      phone=person.phone, language="kk", kind="test", text=f"Bastau: {said}",
                                      state=state))
        # Sessions: her own status page; an anonymous draft with her details; a staff form kept with her IIN.
        db.session.add(WebSession(id=_hash("hers"), data=_serializer.dumps({OPENED: person.id})))
        db.session.add(WebSession(id=_hash("draft"), data=_serializer.dumps(
            {"apply_draft": {"iin": person.iin, "surname": SURNAME, "phone": person.phone}})))
        staff_session = {"_user_id": str(chamber.id), "kept_forms": {"k1": {
            "values": [["note", f"Қате: {said}"]], "at": "2026-12-02T00:00:00+00:00", "url": "/x", "back": "/x",
            "endpoint": "x", "user_id": chamber.id}, "k2": {"values": [["note", "басқа адам"]],
                                                            "at": "2026-12-02T00:00:00+00:00", "url": "/y",
                                                            "back": "/y", "endpoint": "y", "user_id": chamber.id}}}
        db.session.add(WebSession(id=_hash("staff"), data=_serializer.dumps(staff_session), user_id=chamber.id))
        db.session.commit()
        return {"id": person.id, "marks": marks, "plans": [p.stored_name for p in db.session.scalars(
            sa.select(BusinessPlan).where(BusinessPlan.application_id == person.id))], "status": person.status,
            "certificate": db.session.scalar(sa.select(Certificate.number).where(
                Certificate.application_id == person.id)), "staff_user_id": chamber.id}


def test_after_erasure_nothing_names_the_person_anywhere(app, person_everywhere):
    marks = person_everywhere["marks"]
    with app.app_context():
        before = found_anywhere(marks)
        # The search itself works: it finds her in every kind of place first.
        assert {"application", "audit_typed_note", "sms_message", "web_session", "list_entry", "attendance",
                "expulsion_review", "loan_referral", "notice", "test_sitting", "business_plan",
                "applicant_list"} <= {table for table, _column, _mark in before}
        assert found_in_plan_folder(marks)
        personal_data.withdraw_consent(person_everywhere["id"], by=APPLICANT)

        assert found_anywhere(marks) == []
        assert found_in_plan_folder(marks) == []
        assert not any((Path(plan_storage().folder) / name).exists() for name in person_everywhere["plans"])

        person = db.session.get(Application, person_everywhere["id"])
        assert person.anonymised_reason == personal_data.CONSENT_WITHDRAWN and person.anonymised_at is not None
        # Trained and on a loan: the status stays as the record of what happened (the figures count it).
        assert person.status == person_everywhere["status"] == Status.LOAN_APPROVED
        assert db.session.scalar(sa.select(Certificate.number).where(
            Certificate.application_id == person.id)) == person_everywhere["certificate"]
        referral = db.session.scalar(sa.select(LoanReferral).where(LoanReferral.application_id == person.id))
        assert referral.approved_amount == 4_000_000 and referral.decline_reason is None
        assert db.session.scalar(sa.select(Attendance.mark).where(Attendance.application_id == person.id,
                                                                  Attendance.mark == Mark.EXCUSED)) == Mark.EXCUSED
        # The staff member stays signed in and keeps the form that names someone else; other people's sessions stay.
        staff = _serializer.loads(db.session.get(WebSession, _hash("staff")).data)
        assert staff["_user_id"] == str(person_everywhere["staff_user_id"]) and list(staff["kept_forms"]) == ["k2"]
        assert db.session.get(WebSession, _hash("hers")) is None and db.session.get(WebSession, _hash("draft")) is None
        # The SMS not yet sent are not sent; the delivered one stays counted, without phone or text.
        states = sorted(s.value for s in db.session.scalars(sa.select(SmsMessage.state).where(
            SmsMessage.application_id == person.id, SmsMessage.kind == "test")))
        assert states == ["cancelled", "delivered"]
        # The list's note about several people keeps its other words.
        assert db.session.scalar(sa.select(ApplicantList.change_note).where(ApplicantList.number == 77)) == \
            "*** қосылды; басқалар өзгерген жоқ"
        # The audit log gained one entry, kept its earlier ones unchanged, and names who erased and why.
        erased = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.application_id == person.id,
                                                               AuditEntry.action == personal_data.ERASED_ACTION))
        assert (erased.reason, erased.actor_role) == (personal_data.CONSENT_WITHDRAWN, APPLICANT)
        withdrawal, = db.session.scalars(sa.select(ConsentWithdrawal)).all()
        assert (withdrawal.application_id, withdrawal.way) == (person.id, personal_data.STATUS_PAGE)


def test_the_public_check_of_her_certificate_says_issued_with_no_name(app, person_everywhere):
    client = app.test_client()
    number = person_everywhere["certificate"]
    before = page_text(client.get(f"/certificates/{number}"))
    assert 'id="holder"' in before and SURNAME[0] + "*" in before
    with app.app_context():
        personal_data.withdraw_consent(person_everywhere["id"], by=APPLICANT)
    for language in ("kk", "ru"):
        client.set_cookie("lang", language)
        response = client.get(f"/certificates/{number}")
        page = page_text(response)
        assert response.status_code == 200 and 'data-erased="true"' in page and 'data-valid="true"' in page
        assert number in page and 'id="holder"' not in page and SURNAME[0] + "*" not in page
        from tests.conftest import translated
        assert translated("This certificate was issued", language) in page


def test_erasing_twice_is_refused_and_changes_nothing(app, person_everywhere):
    from bastau.refusals import Refused
    with app.test_request_context():
        personal_data.withdraw_consent(person_everywhere["id"], by=APPLICANT)
        entries = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
        with pytest.raises(Refused):
            personal_data.withdraw_consent(person_everywhere["id"], by=APPLICANT)
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == entries


def test_the_audit_log_holds_no_typed_words(app, client, make_user, make_application):
    """What staff or the person type with a decision goes beside the entry (erasable), never into it."""
    from bastau.models import AuditTypedNote
    from tests.conftest import login, post_form
    officer = make_user(Role.CENTRE_OFFICER)
    application_id = make_application()
    login(client, officer)
    typed = "Әбенова Дана жұмыс істейді, +77011234567"
    response = post_form(client, "/centre/decide", {"action": "reject", "application": str(application_id),
                                                    "reason": "employed", "note": typed}, page="/centre/")
    assert response.status_code in (200, 302, 303)
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.application_id == application_id,
                                                              AuditEntry.to_status == Status.NOT_TARGET_GROUP))
        assert entry.note is None and db.session.get(AuditTypedNote, entry.id).text == typed
    page = page_text(client.get(f"/staff/applications/{application_id}"))
    assert "жұмыс істейді" in page.split('id="history"')[1]  # staff still read it in the history
