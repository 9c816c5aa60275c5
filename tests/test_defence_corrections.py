"""Issue 14 at the defence: closing a session only after a confirmation that names who will be marked absent
and counts the certificates; a regional administrator's correction (reopen within 30 days, certificates
revoked, new numbers, old ones "revoked" on the public page); the protocol with every member's scores and its
signable PDF; loan priority only for a defended plan; a next step for the applicant after every status."""
from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from bastau import rules
from bastau.clock import today
from bastau.lifecycle import LIFE_CYCLE
from bastau.models import (
    Application,
    AuditEntry,
    Certificate,
    CertificateKind,
    Cohort,
    DefenceResult,
    DefenceReopening,
    RevokedCertificate,
    Role,
    Status,
)
from tests.conftest import login, page_text, post_form
from tests.test_defence import (  # noqa: F401  (fixtures)
    OTHER,
    OWN,
    _score,
    _set_up,
    cohort_id,
    confirm_close,
    criteria,
    members,
    people,
    scored_session,
    staff,
)

REASON = "Мүшенің баллы басқа қатысушыға қате енгізілген"


# ---- 1. Closing: a confirmation page first ----

def test_close_shows_by_name_who_will_be_absent_and_the_certificates_and_writes_nothing(
        app, client, staff, members, people, cohort_id, store):
    session_id = scored_session(app, client, staff, members, people, cohort_id)
    page = client.get(f"/defence/{session_id}")
    assert f'action="/defence/{session_id}/close"' in page_text(page) and 'method="get"' in page_text(page)
    confirm = client.get(f"/defence/{session_id}/close?absent={people['absent']}")
    text = page_text(confirm)
    assert confirm.status_code == 200
    absent = re.search(r'<ul id="absent-list">(.*?)</ul>', text, re.S).group(1)
    assert "Әлиева" in absent and "Бекова" in absent  # ticked, and scored by nobody
    assert "Сәрсенбаева" not in absent and "Қасымова" not in absent
    assert 'data-kind="completion" data-count="1"' in text and 'data-kind="participation" data-count="4"' in text
    # Looking wrote nothing: no result, no status change, no certificate.
    assert store.count(DefenceResult) == 0 and store.count(Certificate) == 0
    assert store.scalar(sa.select(Application.status).where(Application.id == people["good"])) \
        == Status.TRAINING_COMPLETED


def test_a_post_without_the_confirmation_closes_nothing(app, client, staff, members, people, cohort_id, store):
    session_id = scored_session(app, client, staff, members, people, cohort_id)
    response = post_form(client, f"/defence/{session_id}/close", {"absent": [str(people["absent"])]},
                         page=f"/defence/{session_id}")
    assert response.status_code == 409 and 'name="confirm"' in page_text(response)
    assert store.count(DefenceResult) == 0 and store.count(Certificate) == 0


def test_a_change_after_the_confirmation_was_shown_asks_again(app, client, staff, members, people, cohort_id,
                                                              store):
    session_id = scored_session(app, client, staff, members, people, cohort_id)
    page = client.get(f"/defence/{session_id}/close")
    token = re.search(r'name="confirm" value="([0-9a-f]+)"', page_text(page)).group(1)
    _score(app, members[1], session_id, people["unscored"], [9, 9, 9, 9, 9])  # a member saves late
    stale = post_form(client, f"/defence/{session_id}/close", {"confirm": token}, page=f"/defence/{session_id}/close")
    text = page_text(stale)
    assert stale.status_code == 409 and 'id="form-error"' in text and 'name="confirm"' in text
    assert store.count(DefenceResult) == 0
    assert confirm_close(client, session_id, []).status_code == 302
    assert store.count(DefenceResult) == 5 and store.count(Certificate) == 5


# ---- 2. Reopening: a regional administrator's correction ----

@pytest.fixture
def closed(app, client, staff, members, people, cohort_id):
    session_id = scored_session(app, client, staff, members, people, cohort_id)
    assert confirm_close(client, session_id, [people["absent"]]).status_code == 302
    return session_id


@pytest.fixture
def region_admin(make_user):
    return make_user(Role.REGIONAL_ADMIN, OWN, username="region-own")


def _reopen(app, user, session_id, reason=REASON):
    client = app.test_client()
    login(client, user)
    return client, post_form(client, f"/defence/{session_id}/reopen", {"reason": reason},
                             page=f"/defence/{session_id}/reopen")


def test_rule_reopen_within_30_days():
    closed_on = today()
    assert rules.DEFENCE_REOPEN_DAYS == 30
    for days, allowed in ((0, True), (1, True), (29, True), (30, True), (31, False), (365, False), (-1, False)):
        assert rules.defence_may_reopen(closed_on, closed_on + timedelta(days=days)) is allowed, days


def test_the_reopen_form_names_the_certificates_and_the_deadline(app, closed, region_admin, store):
    client = app.test_client()
    login(client, region_admin)
    session_page = client.get(f"/defence/{closed}")
    assert f"/defence/{closed}/reopen" in page_text(session_page)
    form = client.get(f"/defence/{closed}/reopen")
    text = page_text(form)
    assert form.status_code == 200
    numbers = store.scalars(sa.select(Certificate.number))
    assert len(numbers) == 5 and all(n in text for n in numbers)
    until = today() + timedelta(days=30)
    assert until.isoformat() in text or str(until.day) in text
    assert store.count(RevokedCertificate) == 0  # the form changes nothing


def test_reopening_revokes_and_closing_again_gives_new_numbers(app, client, closed, region_admin, members, people,
                                                               store):
    old = {c.application_id: c.number for c in store.scalars(sa.select(Certificate))}
    admin, response = _reopen(app, region_admin, closed)
    assert response.status_code == 302, page_text(response)[:2000]
    # The results are gone, everyone waits for a result again, the certificates are revoked.
    assert store.count(DefenceResult) == 0 and store.count(Certificate) == 0
    statuses = {a.id: a.status for a in store.scalars(sa.select(Application))}
    assert {statuses[people[k]] for k in ("good", "weak", "veto", "absent", "unscored")} == {Status.TRAINING_COMPLETED}
    revoked = {r.number: r for r in store.scalars(sa.select(RevokedCertificate))}
    assert set(revoked) == set(old.values()) and {r.revoked_on for r in revoked.values()} == {today()}
    reopening = store.scalar(sa.select(DefenceReopening))
    assert reopening.reason == REASON and reopening.reopened_by_id == region_admin.id
    actions = store.scalars(sa.select(AuditEntry.action).where(AuditEntry.actor_id == region_admin.id))
    assert actions.count("defence_reopened") == 5 and actions.count("certificate_revoked") == 5
    assert actions.count("defence_session_reopened") == 1
    moved = store.scalar(sa.select(AuditEntry).where(AuditEntry.action == "defence_reopened",
                                                     AuditEntry.application_id == people["good"]))
    assert moved.from_status == Status.DEFENDED and moved.to_status == Status.TRAINING_COMPLETED
    assert moved.note is None and moved.typed.text == REASON  # typed words beside the entry (erasable)
    # The public page of an old number: revoked, with the date, no newer certificate yet.
    public = app.test_client()
    page = page_text(public.get(f"/certificates/{old[people['good']]}"))
    assert 'data-revoked="true"' in page and 'data-valid="false"' in page
    assert today().strftime("%d.%m.%Y") in re.search(r'class="status-name">(.*?)</p>', page, re.S).group(1)
    newer = re.search(r'<p id="newer">(.*?)</p>', page, re.S).group(1)
    assert "href" not in newer  # no newer certificate yet
    # The members correct a score; the chamber closes again: new numbers, the old ones point to them.
    _score(app, members[1], closed, people["weak"], [9, 9, 9, 9, 9])
    assert confirm_close(client, closed, [people["absent"]]).status_code == 302
    new = {c.application_id: c.number for c in store.scalars(sa.select(Certificate))}
    assert len(new) == 5 and not set(new.values()) & set(old.values())
    assert store.scalar(sa.select(Application.status).where(Application.id == people["weak"])) == Status.DEFENDED
    page = page_text(public.get(f"/certificates/{old[people['weak']]}"))
    assert 'data-revoked="true"' in page and f"/certificates/{new[people['weak']]}" in page
    assert 'data-valid="true"' in page_text(public.get(f"/certificates/{new[people['weak']]}"))


def test_only_a_regional_administrator_of_the_region_may_reopen(app, client, closed, make_user, store):
    # the chamber staff member who closed it
    assert post_form(client, f"/defence/{closed}/reopen", {"reason": REASON},
                     page=f"/defence/{closed}").status_code == 403
    far = make_user(Role.REGIONAL_ADMIN, OTHER, username="region-far")
    _, response = _reopen(app, far, closed)
    assert response.status_code == 404
    national = make_user(Role.NATIONAL_ADMIN, OWN, username="nation")
    _, response = _reopen(app, national, closed)
    assert response.status_code == 403
    assert store.count(RevokedCertificate) == 0 and store.count(DefenceResult) == 5


def test_reopening_after_30_days_or_without_a_reason_is_refused(app, closed, region_admin, store):
    _, short = _reopen(app, region_admin, closed, reason="қате")
    assert short.status_code == 422 and store.count(RevokedCertificate) == 0
    closed_at = store.scalar(sa.select(sa.func.min(DefenceResult.decided_at)))
    store.execute(sa.update(DefenceResult).values(decided_at=closed_at - timedelta(days=31)))
    client, late = _reopen(app, region_admin, closed)
    assert late.status_code == 409 and store.count(RevokedCertificate) == 0 and store.count(DefenceResult) == 5
    assert f"/defence/{closed}/reopen" not in page_text(client.get(f"/defence/{closed}"))


def test_someone_referred_for_a_loan_blocks_reopening(app, closed, region_admin, people, store):
    store.execute(sa.update(Application).where(Application.id == people["good"])
                  .values(status=Status.REFERRED_FOR_FINANCING))
    _, response = _reopen(app, region_admin, closed)
    assert response.status_code == 409 and "Сәрсенбаева" in page_text(response)
    assert store.count(RevokedCertificate) == 0


# ---- 3. The protocol ----

def test_protocol_shows_each_members_scores_averages_and_results(app, client, closed, members, people, store):
    page = client.get(f"/defence/{closed}/protocol")
    text = page_text(page)
    assert page.status_code == 200
    good = re.search(rf'id="person-{people["good"]}"(.*?)</section>', text, re.S).group(1)
    assert "Мүше 1" in good and "Мүше 2" in good
    assert re.findall(r"<td>(\d+)</td>", good) == ["8", "6", "7", "6", "7", "6", "6", "6", "7", "6"]
    assert "71\xa0%" in good and "60\xa0%" in good and "65\xa0%" in good  # bastau/formats.py and 'data-result="defended"' in good
    absent = re.search(rf'id="person-{people["absent"]}"(.*?)</section>', text, re.S).group(1)
    assert 'data-result="absent"' in absent
    # A member of the session reads it too; a commission member who does not sit on it may not.
    member = app.test_client()
    login(member, members[0])
    assert member.get(f"/defence/{closed}/protocol").status_code == 200
    outsider = app.test_client()
    login(outsider, members[2])
    assert outsider.get(f"/defence/{closed}/protocol").status_code == 403


@pytest.mark.parametrize("locale, words", [("kk", "қолы"), ("ru", "подпись")])
def test_protocol_pdf_has_the_scores_and_a_signature_line_per_member_present(
        app, client, staff, members, people, cohort_id, store, locale, words):
    session_id = _set_up(app, client, staff, cohort_id, [members[0].id, members[1].id, members[2].id])
    _score(app, members[0], session_id, people["good"], [8, 7, 7, 6, 7])
    _score(app, members[1], session_id, people["good"], [6, 6, 6, 6, 6])
    # The PDF is in the commission's language, the cohort's (tests/test_documents_bilingual.py), not the page's.
    store.execute(sa.update(Cohort).where(Cohort.id == cohort_id).values(language=locale))
    response = client.get(f"/defence/{session_id}/protocol.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Сәрсенбаева" in text and "Мүше 1" in text and re.search(r"71\s%", text)
    assert words in text.lower()
    signatures = text.split(re.search(r"(?i)(мүшелерінің қолдары|подписи присутст)[^\n]*", text).group(0))[-1]
    assert "Мүше 1" in signatures and "Мүше 2" in signatures and "Мүше 3" not in signatures  # 3 scored nothing


# ---- 4. Loan priority only for a defended plan ----

def test_rule_only_completion_gives_loan_priority():
    assert rules.gives_loan_priority(rules.certificate_kind(True)) is True
    assert rules.gives_loan_priority(rules.certificate_kind(False)) is False


def test_the_public_page_of_a_participation_certificate_claims_no_priority(app, client, closed, people, store):
    number = store.scalar(sa.select(Certificate.number).where(Certificate.application_id == people["weak"]))
    assert store.scalar(sa.select(Certificate.kind).where(Certificate.number == number)) \
        == CertificateKind.PARTICIPATION
    text = page_text(app.test_client().get(f"/certificates/{number}"))
    assert 'data-valid="true"' in text and 'data-active="false"' in text
    priority = re.search(r'id="priority"[^>]*>(.*?)</dd>', text, re.S).group(1)
    assert str(today().year + 2) not in priority  # no "until …" date two years on


def test_the_priority_job_ignores_participation_certificates(app, closed, people, store):
    from bastau.jobs import due
    from bastau.extensions import db
    store.execute(sa.update(Certificate).values(issued_on=today() - timedelta(days=800)))
    with app.app_context():
        due.loan_priority(today())
        db.session.commit()
    ended = store.scalars(sa.select(AuditEntry.application_id).where(AuditEntry.action == "loan_priority_closed"))
    assert ended == [people["good"]]


# ---- 5. A next step after every status ----

@pytest.mark.parametrize("status", list(Status))
def test_the_status_page_says_what_to_do_next_for_every_status(app, make_application, status):
    application_id = make_application(OWN, status=status)
    client = app.test_client()
    with client.session_transaction() as session:
        session["status_application_id"] = application_id
    page = client.get("/status/view")
    assert page.status_code == 200
    with app.test_request_context():
        from flask_babel import force_locale
        with force_locale("kk"):
            expected = str(LIFE_CYCLE[status].next_step)
    shown = re.search(r'<div class="panel status-now">(.*?)</div>', page_text(page), re.S).group(1)
    assert html.unescape(shown).count(expected) == 1
