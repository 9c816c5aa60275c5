"""Defence sessions, the commission's scores, results, certificates (PDF with QR) and public verification."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import zxingcpp
from pypdf import PdfReader

from bastau import rules
from bastau.calendar import public_holidays
from bastau.clock import today
from bastau.extensions import db
from bastau.models import (
    Application,
    AuditEntry,
    Certificate,
    CertificateKind,
    Cohort,
    DefenceResult,
    DefenceScore,
    DefenceSession,
    Role,
    RubricCriterion,
    Status,
    TrainingDay,
    User,
)
from tests.conftest import district, login, page_text, post_form

OWN, OTHER = "195200000", "615200000"


@pytest.fixture
def cohort_id(app, make_user):
    """A Kazakh-language cohort of the own district whose training ended last month."""
    trainer = make_user(Role.TRAINER, OWN)
    with app.app_context():
        dates = rules.training_dates(today() - timedelta(days=70), 25, public_holidays())
        cohort = Cohort(district_id=district(OWN).id, programme_year=dates[0].year, number=2, language="kk",
                        venue="Аудандық кітапхана", start_date=dates[0], training_days=25, capacity=20,
                        trainer_id=trainer.id, created_by_id=trainer.id)
        cohort.days = [TrainingDay(day_number=i + 1, date=d, module_number=rules.module_of_day(i, 25))
                       for i, d in enumerate(dates)]
        db.session.add(cohort)
        db.session.commit()
        return cohort.id


@pytest.fixture
def people(app, make_application, cohort_id):
    """Five participants by what will happen to them, and one expelled."""
    names = {"good": "Сәрсенбаева", "weak": "Қасымова", "veto": "Нұрланова", "absent": "Әлиева", "unscored": "Бекова"}
    ids = {key: make_application(OWN, status=Status.TRAINING_COMPLETED, surname=surname, first_name="Әйгерім",
                                 cohort_id=cohort_id) for key, surname in names.items()}
    ids["expelled"] = make_application(OWN, status=Status.EXPELLED, surname="Жанова", cohort_id=cohort_id)
    return ids


@pytest.fixture
def staff(make_user):
    return make_user(Role.CHAMBER_STAFF, OWN)


@pytest.fixture
def members(make_user, store):
    found = [make_user(Role.COMMISSION, OWN, username=f"member{i}") for i in (1, 2, 3)]
    for i, member in enumerate(found, start=1):
        store.execute(sa.update(User).where(User.id == member.id).values(full_name=f"Мүше {i}"))
    return found


@pytest.fixture
def criteria(app):
    with app.app_context():
        found = db.session.scalars(sa.select(RubricCriterion).order_by(RubricCriterion.position)).all()
        db.session.expunge_all()
        return found


def _set_up(app, client, staff, cohort_id, member_ids) -> int:
    login(client, staff)
    response = post_form(client, f"/cohorts/{cohort_id}/defence/new",
                         {"held_on": today().isoformat(), "place": "Әкімдік, 2-зал", "members": member_ids})
    assert response.status_code == 302, page_text(response)[:2000]
    return int(re.search(r"/defence/(\d+)", response.location).group(1))


def _score(app, member, session_id, application_id, points: list[int]):
    client = app.test_client()
    login(client, member)
    with app.app_context():
        ids = db.session.scalars(sa.select(RubricCriterion.id).order_by(RubricCriterion.position)).all()
    url = f"/defence/{session_id}/score/{application_id}"
    return post_form(client, url, {f"c{i}": str(p) for i, p in zip(ids, points)})


def test_rubric_is_loaded_from_data(criteria):
    assert len(criteria) == 5
    assert all(c.max_points == 10 and c.weight >= 1 and c.text_kk and c.text_ru for c in criteria)


def test_session_needs_two_commission_members_of_the_district(app, client, staff, members, cohort_id, make_user,
                                                               store):
    stranger = make_user(Role.COMMISSION, OTHER, username="stranger")
    login(client, staff)
    page = client.get(f"/cohorts/{cohort_id}/defence/new")
    assert page.status_code == 200 and "Мүше 1" in page_text(page)
    url = f"/cohorts/{cohort_id}/defence/new"
    one = post_form(client, url, {"held_on": today().isoformat(), "place": "Зал", "members": [members[0].id]})
    assert one.status_code == 409
    # A commission member of another district does not count.
    other = post_form(client, url, {"held_on": today().isoformat(), "place": "Зал",
                                    "members": [members[0].id, stranger.id]})
    assert other.status_code == 409
    assert store.count(DefenceSession) == 0
    session_id = _set_up(app, client, staff, cohort_id, [members[0].id, members[1].id])
    page = client.get(f"/defence/{session_id}")
    assert page.status_code == 200 and "Мүше 2" in page_text(page)


def test_member_scores_idempotently_and_a_non_member_is_refused(app, client, staff, members, people, cohort_id,
                                                                store):
    session_id = _set_up(app, client, staff, cohort_id, [members[0].id, members[1].id])
    member = app.test_client()
    login(member, members[0])
    listing = member.get(f"/defence/{session_id}")
    assert listing.status_code == 200 and f"/defence/{session_id}/score/{people['good']}" in page_text(listing)
    form = member.get(f"/defence/{session_id}/score/{people['good']}")
    assert form.status_code == 200 and 'inputmode="numeric"' in page_text(form)
    assert _score(app, members[0], session_id, people["good"], [5, 5, 5, 5, 5]).status_code == 302
    assert _score(app, members[0], session_id, people["good"], [9, 8, 7, 6, 5]).status_code == 302
    rows = store.scalars(sa.select(DefenceScore.points).where(DefenceScore.application_id == people["good"])
                         .order_by(DefenceScore.criterion_id))
    assert rows == [9, 8, 7, 6, 5]
    again = member.get(f"/defence/{session_id}/score/{people['good']}")
    assert 'value="9"' in page_text(again)
    assert _score(app, members[0], session_id, people["good"], [11, 5, 5, 5, 5]).status_code == 422
    assert _score(app, members[2], session_id, people["good"], [5, 5, 5, 5, 5]).status_code == 403
    assert _score(app, members[0], session_id, people["expelled"], [5, 5, 5, 5, 5]).status_code == 404
    assert store.count(DefenceScore) == 5


def scored_session(app, client, staff, members, people, cohort_id) -> int:
    """Two members score: good passes, weak falls short, veto gets a zero from one member, absent did not come."""
    session_id = _set_up(app, client, staff, cohort_id, [members[0].id, members[1].id])
    a, b = members[0], members[1]
    _score(app, a, session_id, people["good"], [8, 7, 7, 6, 7])
    _score(app, b, session_id, people["good"], [6, 6, 6, 6, 6])
    _score(app, a, session_id, people["weak"], [5, 5, 5, 5, 5])
    _score(app, b, session_id, people["weak"], [6, 6, 6, 6, 6])
    _score(app, a, session_id, people["veto"], [10, 10, 10, 10, 10])
    _score(app, b, session_id, people["veto"], [0, 0, 0, 0, 0])
    _score(app, a, session_id, people["absent"], [9, 9, 9, 9, 9])
    return session_id


def _close_with_scores(app, client, staff, members, people, cohort_id):
    session_id = scored_session(app, client, staff, members, people, cohort_id)
    response = confirm_close(client, session_id, [people["absent"]])
    assert response.status_code == 302, page_text(response)[:2000]
    return session_id


def confirm_close(client, session_id: int, absent: list[int]):
    """As a clerk does it: tick who did not come, look at the confirmation page, press its button."""
    query = "&".join(f"absent={i}" for i in absent)
    page = client.get(f"/defence/{session_id}/close?{query}")
    assert page.status_code == 200, page_text(page)[:2000]
    token = re.search(r'name="confirm" value="([0-9a-f]+)"', page_text(page)).group(1)
    return post_form(client, f"/defence/{session_id}/close", {"absent": [str(i) for i in absent], "confirm": token},
                     page=f"/defence/{session_id}/close?{query}")


def test_closing_records_results_statuses_audit_and_certificates(app, client, staff, members, people, cohort_id,
                                                                 store):
    session_id = _close_with_scores(app, client, staff, members, people, cohort_id)
    results = {r.application_id: r for r in store.scalars(sa.select(DefenceResult))}
    # (71% + 60%) / 2, rounded down
    assert results[people["good"]].defended and results[people["good"]].average_percent == 65
    assert not results[people["weak"]].defended and results[people["weak"]].average_percent == 55
    assert not results[people["veto"]].defended and results[people["veto"]].average_percent == 50  # zero vetoes
    assert results[people["absent"]].absent and not results[people["absent"]].defended
    assert results[people["unscored"]].absent and results[people["unscored"]].average_percent is None
    assert people["expelled"] not in results
    statuses = {a.id: a.status for a in store.scalars(sa.select(Application))}
    assert statuses[people["good"]] == Status.DEFENDED
    assert {statuses[people[k]] for k in ("weak", "veto", "absent", "unscored")} == {Status.NOT_DEFENDED}
    assert statuses[people["expelled"]] == Status.EXPELLED
    entry = store.scalar(sa.select(AuditEntry).where(AuditEntry.application_id == people["good"],
                                                     AuditEntry.action == "defence_result"))
    assert entry.note == "65%" and entry.from_status == Status.TRAINING_COMPLETED and entry.actor_id == staff.id
    kinds = {c.application_id: c.kind for c in store.scalars(sa.select(Certificate))}
    assert kinds[people["good"]] == CertificateKind.COMPLETION
    assert {kinds[people[k]] for k in ("weak", "veto", "absent", "unscored")} == {CertificateKind.PARTICIPATION}
    assert people["expelled"] not in kinds
    numbers = store.scalars(sa.select(Certificate.number))
    assert len(set(numbers)) == 5 and all(re.fullmatch(r"BB\d\d-[A-Z0-9]{10}", n) for n in numbers)
    # Closed is final: closing again or scoring is refused, and nothing more is issued.
    again = post_form(client, f"/defence/{session_id}/close", {"confirm": "0" * 20}, page=f"/defence/{session_id}")
    assert again.status_code == 409
    assert client.get(f"/defence/{session_id}/close").status_code == 409
    assert _score(app, members[0], session_id, people["weak"], [10, 10, 10, 10, 10]).status_code in (404, 409)
    issue = post_form(client, f"/cohorts/{cohort_id}/certificates", {}, page=f"/cohorts/{cohort_id}/defence")
    assert issue.status_code == 302 and store.count(Certificate) == 5
    page = client.get(f"/cohorts/{cohort_id}/defence")
    assert page.status_code == 200 and all(n in page_text(page) for n in numbers)


def test_issue_button_gives_participation_to_not_defended(app, client, staff, people, cohort_id, store):
    store.execute(sa.update(Application).where(Application.id == people["weak"]).values(status=Status.NOT_DEFENDED))
    login(client, staff)
    response = post_form(client, f"/cohorts/{cohort_id}/certificates", {}, page=f"/cohorts/{cohort_id}/defence")
    assert response.status_code == 302
    assert [(c.application_id, c.kind) for c in store.scalars(sa.select(Certificate))] == [
        (people["weak"], CertificateKind.PARTICIPATION)]


def _pdf_pages(data: bytes):
    return PdfReader(io.BytesIO(data)).pages


def test_certificate_pdf_has_kazakh_text_number_and_a_qr_to_the_check_page(app, client, staff, members, people,
                                                                           cohort_id, store):
    _close_with_scores(app, client, staff, members, people, cohort_id)
    certificate = store.scalar(sa.select(Certificate).where(Certificate.application_id == people["good"]))
    response = client.get(f"/staff/certificates/{certificate.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages = _pdf_pages(response.data)
    assert len(pages) == 1
    assert pages[0].mediabox.width > pages[0].mediabox.height  # landscape
    text = pages[0].extract_text()
    assert certificate.number in text
    assert "Сәрсенбаева" in text and "Қ" in text and "ә" in text  # the holder; the district «Қарасай»
    images = pages[0].images
    assert images
    decoded = zxingcpp.read_barcodes(images[0].image)
    # PUBLIC_URL, not the host the staff request came by (the test client's "localhost")
    assert [b.text for b in decoded] == [f"{app.config['PUBLIC_URL']}/certificates/{certificate.number}"]

    bulk = client.get(f"/cohorts/{cohort_id}/certificates.pdf")
    assert bulk.status_code == 200 and len(_pdf_pages(bulk.data)) == 5


def test_participant_downloads_own_certificate(app, client, staff, members, people, cohort_id, store):
    _close_with_scores(app, client, staff, members, people, cohort_id)
    number = store.scalar(sa.select(Certificate.number).where(Certificate.application_id == people["weak"]))
    applicant = app.test_client()
    assert applicant.get("/status/certificate.pdf").status_code == 404
    with applicant.session_transaction() as session:  # as after a status look-up with the receipt
        session["status_application_id"] = people["weak"]
    response = applicant.get("/status/certificate.pdf")
    assert response.status_code == 200 and number in _pdf_pages(response.data)[0].extract_text()
    with applicant.session_transaction() as session:
        session["status_application_id"] = people["expelled"]
    assert applicant.get("/status/certificate.pdf").status_code == 404


def test_public_verification(app, client, staff, members, people, cohort_id, store):
    _close_with_scores(app, client, staff, members, people, cohort_id)
    number = store.scalar(sa.select(Certificate.number).where(Certificate.application_id == people["good"]))
    public = app.test_client()
    page = public.get(f"/certificates/{number}")
    text = page_text(page)
    assert page.status_code == 200 and 'data-valid="true"' in text
    assert "С*********а Ә." in text and "Сәрсенбаева" not in text
    assert 'data-active="true"' in text  # issued today: within the 24 months of loan priority
    typed = post_form(public, "/certificates", {"number": number.lower().replace("-", " ")})
    assert typed.status_code == 302 and typed.location.endswith(f"/certificates/{number}")
    unknown = public.get("/certificates/BB26-ZZZZZZZZZZ")
    assert unknown.status_code == 404 and 'data-valid="false"' in page_text(unknown)
    store.execute(sa.update(Certificate).where(Certificate.number == number)
                  .values(issued_on=today() - timedelta(days=800)))
    assert 'data-active="false"' in page_text(public.get(f"/certificates/{number}"))


def test_verification_is_rate_limited(app):
    public = app.test_client()
    codes = [public.get("/certificates/BB26-ZZZZZZZZZZ").status_code for _ in range(31)]
    assert codes[:30] == [404] * 30 and codes[30] == 429


def test_other_district_sees_nothing(app, client, staff, members, people, cohort_id, make_user, store):
    session_id = _close_with_scores(app, client, staff, members, people, cohort_id)
    certificate_id = store.scalar(sa.select(Certificate.id).limit(1))
    outsider = app.test_client()
    login(outsider, make_user(Role.CHAMBER_STAFF, OTHER))
    for url in (f"/cohorts/{cohort_id}/defence", f"/defence/{session_id}", f"/staff/certificates/{certificate_id}.pdf",
                f"/cohorts/{cohort_id}/certificates.pdf"):
        assert outsider.get(url).status_code == 404, url
    member = app.test_client()
    login(member, make_user(Role.COMMISSION, OTHER, username="far-member"))
    assert member.get(f"/defence/{session_id}").status_code == 404
    assert member.get("/defence").status_code == 200
