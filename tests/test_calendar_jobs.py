"""The programme's calendar moves by itself: each job just before and just after its boundary (Almaty
midnight), catch-up after downtime, two workers at once, the commands, /healthz, and figures that are right
without anyone opening a page."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bastau import rules
from bastau.extensions import db
from bastau.jobs import BY_NAME, PERIODIC, run_due, run_job
from bastau.jobs.due import Moved
from bastau.models import (
    Application,
    Attendance,
    AuditEntry,
    Certificate,
    CertificateKind,
    Cohort,
    ExpulsionReview,
    JobRun,
    Mark,
    Notice,
    Role,
    SmsMessage,
    Status,
    TrainingDay,
    User,
)
from tests.conftest import PASSWORD, district, login, page_text

ROOT = Path(__file__).resolve().parent.parent
ALMATY = timezone(timedelta(hours=5))
LAST_DAY = date(2026, 12, 14)  # a Monday


@pytest.fixture(autouse=True)
def _no_job_rows(app):
    yield
    with app.app_context():
        db.session.execute(sa.delete(Notice))
        db.session.execute(sa.delete(JobRun))
        db.session.commit()


def _days_ending(last: date, count: int = 25) -> list[date]:
    days, day = [], last
    while len(days) < count:
        if day.weekday() != rules.SUNDAY:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def _days_from(first: date, count: int = 25) -> list[date]:
    days, day = [], first
    while len(days) < count:
        if day.weekday() != rules.SUNDAY:
            days.append(day)
        day += timedelta(days=1)
    return days


@pytest.fixture
def staff(app):
    with app.app_context():
        place = district()
        users = {}
        for role in (Role.TRAINER, Role.CHAMBER_STAFF, Role.COMMISSION):
            user = User(username=f"{role.value}-cal", full_name="Тест Қызметкер", role=role, district_id=place.id,
                        must_change_password=False)
            user.set_password(PASSWORD)
            db.session.add(user)
            users[role] = user
        db.session.commit()
        for user in users.values():
            db.session.refresh(user)
            db.session.expunge(user)
        return users


@pytest.fixture
def make_cohort(app, staff):
    numbers = iter(range(1, 7))

    def make(dates: list[date]) -> int:
        with app.app_context():
            cohort = Cohort(district_id=district().id, programme_year=dates[0].year, number=next(numbers),
                            language="kk", venue="Қаскелең", start_date=dates[0], training_days=len(dates),
                            capacity=500, trainer_id=staff[Role.TRAINER].id,
                            created_by_id=staff[Role.CHAMBER_STAFF].id,
                            days=[TrainingDay(day_number=i + 1, date=d, module_number=rules.module_of_day(i, len(dates)))
                                  for i, d in enumerate(dates)])
            db.session.add(cohort)
            db.session.commit()
            return cohort.id
    return make


def _statuses(store, ids) -> dict[int, Status]:
    return dict(zip(ids, (store.scalar(sa.select(Application.status).where(Application.id == i)) for i in ids)))


def _at(monkeypatch, moment: datetime) -> None:
    monkeypatch.setattr("bastau.clock.now", lambda: moment)


def _training_moves(app) -> Moved:
    with app.app_context():
        return run_job(BY_NAME["training_moves"])


def test_training_completes_at_almaty_midnight_after_the_last_day(app, make_cohort, make_application, store,
                                                                  monkeypatch):
    cohort = make_cohort(_days_ending(LAST_DAY))
    person = make_application(status=Status.IN_TRAINING, cohort_id=cohort)
    _at(monkeypatch, datetime(2026, 12, 14, 23, 59, 59, tzinfo=ALMATY))  # 18:59:59 UTC: still the last day
    assert _training_moves(app) == Moved()
    assert _statuses(store, [person])[person] == Status.IN_TRAINING
    _at(monkeypatch, datetime(2026, 12, 14, 19, 0, 0, tzinfo=timezone.utc))  # 00:00 in Almaty, 15 December
    assert _training_moves(app) == Moved(completed=1)
    assert _statuses(store, [person])[person] == Status.TRAINING_COMPLETED
    entry = store.scalar(sa.select(AuditEntry).where(AuditEntry.to_status == Status.TRAINING_COMPLETED))
    assert (entry.actor_id, entry.actor_role, entry.action) == (None, "calendar", "training_completed")


def test_training_starts_at_almaty_midnight_of_the_first_day(app, make_cohort, make_application, store,
                                                             monkeypatch):
    cohort = make_cohort(_days_from(date(2026, 12, 15)))
    person = make_application(status=Status.ENROLLED, cohort_id=cohort)
    _at(monkeypatch, datetime(2026, 12, 14, 23, 59, 59, tzinfo=ALMATY))
    assert _training_moves(app) == Moved()
    _at(monkeypatch, datetime(2026, 12, 15, 0, 0, 0, tzinfo=ALMATY))
    assert _training_moves(app) == Moved(started=1)
    assert _statuses(store, [person])[person] == Status.IN_TRAINING


def test_a_worker_down_for_a_week_catches_up_every_move_once(app, make_cohort, make_application, store):
    ended = make_cohort(_days_ending(date(2026, 11, 20)))
    started = make_cohort(_days_from(date(2026, 11, 25)))
    finished = [make_application(status=Status.ENROLLED, cohort_id=ended) for _ in range(3)]
    going = [make_application(status=Status.ENROLLED, cohort_id=started) for _ in range(2)]
    with app.app_context():
        results = run_due(today=date(2026, 11, 27))
    assert results["training_moves"] == "5 started, 3 completed"
    assert set(_statuses(store, finished).values()) == {Status.TRAINING_COMPLETED}
    assert set(_statuses(store, going).values()) == {Status.IN_TRAINING}
    assert store.count(AuditEntry, AuditEntry.action == "training_started") == 5
    with app.app_context():
        assert str(run_job(BY_NAME["training_moves"], date(2026, 11, 28))) == "0 started, 0 completed"
    assert store.count(AuditEntry) == 8


def test_dashboard_counts_the_trained_with_nobody_opening_a_page(app, client, make_cohort, make_application,
                                                                 make_user, store):
    cohort = make_cohort(_days_ending(date(2026, 11, 20)))
    for _ in range(4):
        make_application(status=Status.IN_TRAINING, cohort_id=cohort)
    with app.app_context():
        run_due(today=date(2026, 11, 23))
    admin = make_user(Role.NATIONAL_ADMIN)
    login(client, admin)
    response = client.get("/dashboard?year=2026")
    assert response.status_code == 200
    headline = re.search(r"\((\d+) / (\d+)\)", page_text(response))  # of those trained opened a business (0 / 4)
    assert headline and headline.group(2) == "4"
    from bastau.dashboard.figures import Filters, national
    with app.test_request_context():
        _rows, total = national(Filters(year=2026), "total")
    assert total.figures["trained"] == 4


def test_two_workers_at_the_same_time_apply_nothing_twice(app, make_cohort, make_application, store):
    cohort = make_cohort(_days_ending(date(2026, 11, 20)))
    people = [make_application(status=Status.ENROLLED, cohort_id=cohort) for _ in range(120)]
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], FLASK_APP="app.py",
               PLAN_STORAGE=app.config["PLAN_STORAGE"])
    env.pop("BASTAU_ENV", None)
    workers = [subprocess.Popen([sys.executable, "-m", "flask", "jobs", "run-due", "--all"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), outputs
    assert set(_statuses(store, people).values()) == {Status.TRAINING_COMPLETED}
    for action in ("training_started", "training_completed"):
        assert store.count(AuditEntry, AuditEntry.action == action) == len(people), outputs
    assert sum("120 started, 120 completed" in out for out in outputs) == 1, outputs


def _flag(app, staff, application_id: int, cohort_id: int, absent_days: int) -> list[date]:
    with app.app_context():
        days = db.session.scalars(sa.select(TrainingDay).where(TrainingDay.cohort_id == cohort_id)
                                  .order_by(TrainingDay.day_number).limit(absent_days)).all()
        for day in days:
            db.session.add(Attendance(training_day_id=day.id, application_id=application_id, mark=Mark.ABSENT,
                                      recorded_by_id=staff[Role.TRAINER].id))
        db.session.commit()
        return [d.date for d in days]


def test_a_flag_waiting_five_working_days_reaches_the_desks_and_leaves_when_decided(
        app, staff, make_cohort, make_application, store):
    cohort = make_cohort(_days_from(date(2026, 11, 2)))  # Monday 2 November
    person = make_application(status=Status.IN_TRAINING, cohort_id=cohort, surname="Сұлтанова")
    flagged_on = _flag(app, staff, person, cohort, 4)[-1]  # the 4th unexcused day: Thursday 5 November
    assert flagged_on == date(2026, 11, 5)
    job = BY_NAME["commission_reminders"]
    with app.app_context():
        run_job(job, date(2026, 11, 11))  # 6, 9, 10, 11 November: four working days
    assert store.count(Notice) == 0
    with app.app_context():
        run_job(job, date(2026, 11, 12))  # the fifth
        run_job(job, date(2026, 11, 13))  # and again: still one
    assert store.count(Notice, Notice.closed_at.is_(None)) == 1

    for role, locale, words in ((Role.CHAMBER_STAFF, "kk", "комиссия әлі шешім қабылдаған жоқ"),
                                (Role.COMMISSION, "ru", "комиссия ещё не приняла решение")):
        desk = app.test_client()
        desk.set_cookie("lang", locale)
        login(desk, staff[role])
        page = page_text(desk.get("/staff/"))
        assert 'id="notices"' in page and "Сұлтанова" in page and words in page

    with app.app_context():  # the commission keeps the participant: the reminder goes
        db.session.add(ExpulsionReview(application_id=person, expel=False, reason="other",
                                       decided_on=date(2026, 11, 13), unexcused_days=4,
                                       decided_by_id=staff[Role.COMMISSION].id))
        db.session.commit()
        run_job(job, date(2026, 11, 16))
    assert store.count(Notice, Notice.closed_at.is_(None)) == 0


def _certificate(app, staff, application_id: int, cohort_id: int, issued_on: date) -> None:
    with app.app_context():
        db.session.add(Certificate(application_id=application_id, number=rules.certificate_number(issued_on.year),
                                   kind=CertificateKind.COMPLETION, cohort_id=cohort_id, language="kk",
                                   issued_on=issued_on, issued_by_id=staff[Role.CHAMBER_STAFF].id))
        db.session.commit()


def test_a_follow_up_falls_due_six_months_after_the_certificate_and_not_earlier(
        app, staff, make_cohort, make_application, store):
    cohort = make_cohort(_days_ending(date(2026, 1, 5)))
    person = make_application(status=Status.DEFENDED, cohort_id=cohort)
    _certificate(app, staff, person, cohort, date(2026, 1, 10))
    from bastau.loans.services import record_follow_up
    from bastau.refusals import Refused
    job = BY_NAME["follow_ups_due"]
    with app.test_request_context():
        chamber = db.session.get(User, staff[Role.CHAMBER_STAFF].id)
        run_job(job, date(2026, 7, 9))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notice)) == 0
        with pytest.raises(Refused) as early:
            record_follow_up(chamber, person, 6, business_opened=False, opened_on=None, registered_as_ie=False,
                             jobs_created=0, today=date(2026, 7, 9))
        assert "10" in str(early.value.message)
        run_job(job, date(2026, 7, 10))
        run_job(job, date(2026, 7, 10))
        assert db.session.scalar(sa.select(Notice.key)) == f"follow_up:{person}:6"
        told = db.session.scalars(sa.select(SmsMessage.kind).where(SmsMessage.application_id == person)).all()
        assert told == ["follow_up_due"]  # the person hears it once, however often the job runs
        chamber = db.session.get(User, staff[Role.CHAMBER_STAFF].id)
        record_follow_up(chamber, person, 6, business_opened=True, opened_on=date(2026, 5, 1),
                         registered_as_ie=True, jobs_created=2, today=date(2026, 7, 10))
        run_job(job, date(2026, 7, 11))
        assert db.session.scalar(sa.select(Notice.closed_at)) is not None


def test_the_loan_priority_window_closes_once(app, staff, make_cohort, make_application, store):
    cohort = make_cohort(_days_ending(date(2024, 1, 5)))
    person = make_application(status=Status.DEFENDED, cohort_id=cohort)
    _certificate(app, staff, person, cohort, date(2024, 1, 10))
    job = BY_NAME["loan_priority"]
    with app.app_context():
        run_job(job, date(2026, 1, 10))  # the last day of the 24 months
    assert store.scalar(sa.select(Certificate.priority_closed_on)) is None
    with app.app_context():
        run_job(job, date(2026, 1, 11))
        run_job(job, date(2026, 1, 12))
    assert store.scalar(sa.select(Certificate.priority_closed_on)) == date(2026, 1, 10)
    assert store.count(AuditEntry, AuditEntry.action == "loan_priority_closed") == 1


def test_healthz_names_jobs_that_have_not_run_for_twice_their_period(app, client):
    Path(app.config["PLAN_STORAGE"]).mkdir(parents=True, exist_ok=True)
    stale = client.get("/healthz").get_json()["detail"]["stale_jobs"]
    assert set(stale) == {job.name for job in PERIODIC}
    with app.app_context():
        run_due()
    assert client.get("/healthz").get_json()["detail"]["stale_jobs"] == []
    with app.app_context():  # the worker stopped three minutes ago: the one-minute job is overdue
        run = db.session.get(JobRun, "training_moves")
        run.last_succeeded_at -= timedelta(minutes=3)
        db.session.commit()
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["detail"]["stale_jobs"] == ["training_moves"]


def test_the_commands_list_the_jobs_and_report_a_failure(app, monkeypatch):
    runner = app.test_cli_runner()
    listing = runner.invoke(args=["jobs"])
    assert listing.exit_code == 0 and "training_moves" in listing.output and "never" in listing.output

    def broken(_today):
        raise RuntimeError("disk full")
    from bastau import jobs
    monkeypatch.setattr(jobs, "PERIODIC", tuple(j if j.name != "loan_priority" else jobs.Job(
        j.name, j.every_minutes, broken, j.description) for j in jobs.PERIODIC))
    result = runner.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 1 and "loan_priority: failed" in result.output
    assert "training_moves: 0 started, 0 completed" in result.output  # the others still ran
    again = runner.invoke(args=["jobs", "run-due"])
    assert "Nothing was due." in again.output  # each ran once; none is due for a minute
    listing = runner.invoke(args=["jobs", "list"])
    assert "LAST ERROR: RuntimeError: disk full" in listing.output


def test_no_page_changes_a_status(app, make_cohort, make_application, make_user, store):
    """A GET never writes programme data: open every page a chamber clerk and a trainer open, with statuses
    behind the calendar, and nothing moves."""
    cohort = make_cohort(_days_ending(date(2026, 11, 20)))
    people = [make_application(status=Status.ENROLLED, cohort_id=cohort) for _ in range(2)]
    before = store.count(AuditEntry)
    for role, urls in ((Role.CHAMBER_STAFF, ["/staff/", "/cohorts", f"/cohorts/{cohort}",
                                             f"/staff/applications/{people[0]}", "/financing", "/dashboard"]),
                       (Role.COMMISSION, ["/staff/", "/attendance/flagged"])):
        client = app.test_client()
        login(client, make_user(role, username=f"{role.value}-pages"))
        for url in urls:
            assert client.get(url).status_code in (200, 302), url
    assert set(_statuses(store, people).values()) == {Status.ENROLLED}
    assert store.count(AuditEntry) == before


@pytest.mark.skipif(os.environ.get("BASTAU_TEST_DB") == "postgresql", reason="the embedded worker is SQLite's")
def test_the_worker_moves_the_calendar_by_itself(app, make_cohort, make_application, store, tmp_path):
    """`flask worker` (what `make run` starts): catches up at once, then Huey runs the one-minute job."""
    cohort = make_cohort(_days_ending(date(2026, 11, 20)))
    person = make_application(status=Status.ENROLLED, cohort_id=cohort)
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], FLASK_APP="app.py",
               JOBS_SQLITE_PATH=str(tmp_path / "jobs.sqlite"), PLAN_STORAGE=app.config["PLAN_STORAGE"])
    worker = subprocess.Popen([sys.executable, "-m", "flask", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            runs = store.scalar(sa.select(JobRun.runs).where(JobRun.name == "training_moves")) or 0
            if runs >= 2:  # the catch-up run and one scheduled by Huey
                break
            time.sleep(1)
        assert runs >= 2, "the worker did not run the job on its schedule"
        assert _statuses(store, [person])[person] == Status.TRAINING_COMPLETED
    finally:
        worker.terminate()
        worker.wait(timeout=30)
