"""Retention: a scheduled job anonymises the personal data of applications whose period has ended (counted from the
end of the year of the application's last event), and every dashboard shows the same figures afterwards."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from bastau import demo, personal_data
from bastau.clock import today
from bastau.dashboard import figures
from bastau.extensions import db
from bastau.jobs import BY_NAME, run_job
from bastau.models import Application, AuditEntry, Cohort, District, JobRun, Region, Role, Status
from tests.conftest import login, page_text
from tests.test_anonymise import found_anywhere

JOB = BY_NAME["personal_data_retention"]


def _due(app, on: date, years: int = 5) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(personal_data.due_for_retention(on, years).with_only_columns(Application.id)))


def test_the_period_counts_from_the_end_of_the_year_of_the_last_event(app, make_application):
    quiet = make_application(created_at=datetime(2019, 3, 1), status=Status.NOT_TARGET_GROUP)
    followed = make_application(created_at=datetime(2019, 3, 1), status=Status.LOAN_APPROVED)
    with app.app_context():  # a follow-up recorded in 2021 is the last event of the second one
        db.session.add(AuditEntry(created_at=datetime(2021, 6, 1), action="follow_up_recorded",
                                  application_id=followed, actor_role="test"))
        db.session.commit()
    assert personal_data.retention_ends(2019, 5) == date(2025, 1, 1)
    assert _due(app, date(2024, 12, 31)) == set()
    assert _due(app, date(2025, 1, 1)) == {quiet}
    assert _due(app, date(2026, 12, 31)) == {quiet}
    assert _due(app, date(2027, 1, 1)) == {quiet, followed}
    assert _due(app, date(2025, 1, 1), years=6) == set()


def test_the_job_anonymises_what_has_expired_and_says_only_how_many(app, make_application, monkeypatch):
    old = make_application(created_at=datetime(2019, 3, 1), surname="Ескіева", first_name="Гүлнар")
    recent = make_application(surname="Жаңабаева", first_name="Айна")
    monkeypatch.setitem(app.config, "PERSONAL_DATA_RETENTION_YEARS", 5)
    with app.test_request_context():
        assert run_job(JOB, today=date(2026, 6, 1)) == "1 anonymised, 0 plan files deleted"
        again = run_job(JOB, today=date(2026, 6, 1))
        people = {a.id: a for a in db.session.scalars(sa.select(Application))}
        run = db.session.get(JobRun, JOB.name)
    assert again == "0 anonymised, 0 plan files deleted"  # idempotent: nothing is erased twice
    assert people[old].anonymised_reason == personal_data.RETENTION and people[old].surname == "—"
    assert people[recent].anonymised_at is None and people[recent].surname == "Жаңабаева"
    assert "Ескіева" not in (run.last_result or "") and run.last_error is None
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.application_id == old,
                                                              AuditEntry.action == personal_data.ERASED_ACTION))
        assert (entry.reason, entry.actor_role, entry.actor_id) == (personal_data.RETENTION, "calendar", None)


def test_a_shorter_period_set_in_the_configuration_is_used(app, make_application, monkeypatch):
    application_id = make_application(created_at=datetime(today().year - 2, 3, 1))
    monkeypatch.setitem(app.config, "PERSONAL_DATA_RETENTION_YEARS", 1)
    with app.test_request_context():
        run_job(JOB, today=today())
        assert db.session.get(Application, application_id).anonymised_reason == personal_data.RETENTION


# ---- Every dashboard, before and after ----

_VOLATILE = re.compile(r'(name="csrf_token" value=|nonce=|data-keepalive-token=)"[^"]*"')  # signed, time-stamped


def _figures(app) -> dict:
    """The data behind every dashboard level: national, each region, each district, each cohort, trainers."""
    year = today().year
    filters = figures.Filters(year)
    with app.test_request_context():
        district = db.session.scalar(sa.select(District).where(District.kato_code == demo.DEMO_DISTRICT))
        region = db.session.get(Region, district.region_id)
        shown = {"national": figures.national(filters, "total"), "region": figures.region(region, filters),
                 "district": figures.district(district, filters, "—"),
                 "trainers": figures.trainers(filters)}
        for narrowed in (figures.Filters(year, cohort_number=2), figures.Filters(year, language="ru")):
            shown[f"district {narrowed.key()}"] = figures.district(district, narrowed, "—")
        for cohort in db.session.scalars(sa.select(Cohort).order_by(Cohort.id)):
            shown[f"cohort {cohort.id}"] = (figures.cohort(cohort), figures.attendance_rate([cohort.id]))
        return {name: repr(value) for name, value in shown.items()}


def _pages(app, client) -> dict:
    with app.app_context():
        district = db.session.scalar(sa.select(District).where(District.kato_code == demo.DEMO_DISTRICT))
        cohorts = list(db.session.scalars(sa.select(Cohort.id).order_by(Cohort.id)))
        urls = ["/dashboard", f"/dashboard/regions/{district.region_id}", f"/dashboard/districts/{district.id}",
                "/dashboard/trainers", f"/dashboard/districts/{district.id}/trainers",
                *(f"/dashboard/cohorts/{c}" for c in cohorts)]
    shown = {}
    for url in urls:
        for query in ("", "?format=csv"):
            response = client.get(url + query)
            assert response.status_code == 200, url
            shown[url + query] = _VOLATILE.sub("", page_text(response))
    return shown


def test_every_dashboard_shows_the_same_figures_after_retention(app, make_user):
    with app.app_context():
        demo.load()
    national = make_user(Role.NATIONAL_ADMIN, username="dash-national")
    client = app.test_client()
    login(client, national)
    data_before, pages_before = _figures(app), _pages(app, client)
    with app.app_context():
        marks = [{"iin": a.iin, "phone": a.phone, "surname": a.surname, "first_name": a.first_name}
                 for a in db.session.scalars(sa.select(Application).where(Application.surname.in_(
                     [graduate[0] for graduate in demo.GRADUATES])))]
        assert len(marks) == len(demo.GRADUATES)
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Application))

    with app.test_request_context():  # far enough ahead that every demo application has expired
        result = run_job(JOB, today=today() + timedelta(days=366 * 7))
    assert result.startswith(f"{total} anonymised")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(Application.anonymised_at.is_(None))) == 0
        for person in marks:
            assert found_anywhere(person) == []

    assert _figures(app) == data_before
    assert _pages(app, client) == pages_before
