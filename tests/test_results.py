"""The applicant's results page: the whole road on one page, "not yet" where nothing happened so far."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import event

from bastau import models
from bastau.clock import today
from bastau.extensions import db
from bastau.models import (
    Application,
    Attendance,
    BusinessPlan,
    Certificate,
    CertificateKind,
    Cohort,
    DefenceResult,
    DefenceSession,
    LoanOutcome,
    LoanReferral,
    Mark,
    Role,
    Sector,
    Status,
    TrainingDay,
)
from tests.conftest import district, page_text
from tests.journey import RU, look_up

SECTIONS = 8


def test_without_a_look_up_the_page_sends_to_it(client):
    response = client.get("/status/results")
    assert response.status_code == 302 and response.location.endswith("/status")


def test_just_submitted_everything_after_the_application_is_not_yet(client, receipt):
    look_up(client, receipt)
    assert 'href="/status/results"' in page_text(client.get("/status/view"))
    for headers in ({}, RU):
        body = page_text(client.get("/status/results", headers=headers))
        assert receipt["reference"] in body
        assert len(re.findall(r'class="muted not-yet"', body)) == SECTIONS - 1


def test_a_participant_with_the_whole_road(app, client, receipt, make_user):
    trainer = make_user(Role.TRAINER)
    start = today() - timedelta(days=60)
    with app.app_context():
        application = db.session.scalar(sa.select(Application))
        cohort = Cohort(district_id=district().id, programme_year=start.year, number=2, language="kk", venue="Зал",
                        start_date=start, training_days=25, capacity=20, trainer_id=trainer.id,
                        created_by_id=trainer.id)
        cohort.days = [TrainingDay(day_number=i + 1, date=start + timedelta(days=i), module_number=1 + i * 12 // 25)
                       for i in range(25)]
        db.session.add(cohort)
        db.session.flush()
        application.cohort_id, application.status = cohort.id, Status.LOAN_APPROVED
        marks = [Mark.PRESENT] * 21 + [Mark.ABSENT] * 2 + [Mark.EXCUSED] * 2
        db.session.add_all(Attendance(training_day_id=day.id, application_id=application.id, mark=mark,
                                      recorded_by_id=trainer.id) for day, mark in zip(cohort.days, marks))
        db.session.add(models.TestSitting(application_id=application.id, method=models.TestMethod.PAPER,
                                          opened_by_id=trainer.id, finished_at=datetime(2026, 4, 20, 9), score=42,
                                          max_score=50, pass_mark=30, passed=True))
        db.session.add_all([BusinessPlan(application_id=application.id, version=v, stored_name=f"plan-{v}",
                                         original_name=f"жоспар-{v}.pdf", content_type="application/pdf", size=10,
                                         sha256="0" * 64, sector=Sector.SERVICES, village="Қаскелең",
                                         amount_needed=5_000_000, jobs_planned=2) for v in (1, 2)])
        session = DefenceSession(cohort_id=cohort.id, held_on=today(), place="Әкімдік", created_by_id=trainer.id)
        db.session.add(session)
        db.session.flush()
        db.session.add(DefenceResult(session_id=session.id, application_id=application.id, defended=True,
                                     average_percent=87, decided_by_id=trainer.id))
        db.session.add(Certificate(application_id=application.id, number="BB26-7QK4-XM2P",
                                   kind=CertificateKind.COMPLETION, cohort_id=cohort.id, language="kk",
                                   issued_on=today(), issued_by_id=trainer.id))
        db.session.add(LoanReferral(application_id=application.id, institution="damu", amount_requested=3_000_000,
                                    term_months=36, rate_percent=6, referred_on=today(), referred_by_id=trainer.id,
                                    outcome=LoanOutcome.APPROVED, approved_amount=2_500_000))
        db.session.commit()
    look_up(client, receipt)

    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        body = page_text(client.get("/status/results"))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert "not-yet" not in body
    assert "42" in body and "50" in body and 'data-result="passed"' in body
    assert re.search(r'id="days-present">21\D', body) and re.search(r'id="days-absent">2\D', body)
    assert re.search(r'id="days-excused">2\D', body)
    assert "жоспар-2.pdf" in body and "жоспар-1.pdf" not in body  # the newest version
    assert 'data-result="defended"' in body and 'id="defence-percent">87\xa0%' in body  # bastau/formats.py
    assert "BB26-7QK4-XM2P" in body and 'data-result="completion"' in body
    assert 'data-result="approved"' in body and "«Даму» кәсіпкерлікті дамыту қоры" in body
    assert re.search(r"2\D500\D000", body)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 15, len(selects)  # a fixed number, whatever the number of days or versions
    ru = page_text(client.get("/status/results", headers=RU))
    assert "Фонд развития предпринимательства «Даму»" in ru


def test_target_group_refusal_is_shown(app, client, receipt):
    with app.app_context():
        db.session.execute(sa.update(Application).values(status=Status.NOT_TARGET_GROUP))
        db.session.commit()
    look_up(client, receipt)
    body = page_text(client.get("/status/results"))
    assert 'data-result="not_target_group"' in body
    assert len(re.findall(r'class="muted not-yet"', body)) == SECTIONS - 2
