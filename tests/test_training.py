"""Cohorts: forming them with a dated schedule, enrolment, the status steps of training, the public intake page,
and the participant's schedule on the status page."""
from __future__ import annotations

import html
import re
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from bastau import rules
from bastau.calendar import public_holidays
from bastau.extensions import db
from bastau.models import (
    Application,
    Attendance,
    AuditEntry,
    Cohort,
    District,
    ExpulsionReview,
    Mark,
    Role,
    Status,
    TrainingDay,
)
from bastau.jobs import BY_NAME, run_job
from bastau.jobs.due import Moved
from bastau.training import services
from tests.conftest import login, page_text, post_form, translated
from tests.journey import RU, look_up

OTHER = "615200000"  # Сайрам (Түркістан облысы)
MONDAY = date(2026, 3, 16)  # the week before Nauryz (21–23 March 2026)


@pytest.fixture
def clock(monkeypatch):
    """Kazakhstan's date as the training pages see it: set `clock.day` to move time."""
    class Clock:
        day = date(2026, 3, 2)
    monkeypatch.setattr("bastau.training.routes.today", lambda: Clock.day)
    return Clock


@pytest.fixture
def trainer(make_user):
    return make_user(Role.TRAINER)


@pytest.fixture
def chamber(app, make_user, clock):
    client = app.test_client()
    client.user = make_user(Role.CHAMBER_STAFF)
    login(client, client.user)
    return client


def form_cohort(client, trainer_id, start=MONDAY, days=25, number=1, capacity=30, language="kk", year=None,
                venue="Қаскелең, Абылай хан көшесі 1, 2-кабинет"):
    return post_form(client, "/cohorts/new", {
        "programme_year": str(year or start.year), "number": str(number), "language": language, "venue": venue,
        "start": start.isoformat(), "training_days": str(days), "capacity": str(capacity),
        "trainer": str(trainer_id)})


def cohort_id_of(response) -> int:
    assert response.status_code == 302, page_text(response)[:3000]
    return int(re.fullmatch(r"/cohorts/(\d+)", response.location).group(1))


@pytest.fixture
def cohort(chamber, trainer):
    """Cohort №1: 25 days from Monday 16 March 2026, 3 places."""
    return cohort_id_of(form_cohort(chamber, trainer.id, capacity=3))


def days_of(store, cohort_id) -> list[TrainingDay]:
    return store.scalars(sa.select(TrainingDay).where(TrainingDay.cohort_id == cohort_id)
                         .order_by(TrainingDay.day_number))


def enrol(client, cohort_id, ids):
    return post_form(client, f"/cohorts/{cohort_id}/enrol", {"application": [str(i) for i in ids]},
                     page=f"/cohorts/{cohort_id}")


def unenrol(client, cohort_id, application_id):
    return post_form(client, f"/cohorts/{cohort_id}/remove", {"application": str(application_id)},
                     page=f"/cohorts/{cohort_id}")


def statuses(store, ids) -> dict[int, Status]:
    return {a.id: a.status for a in store.scalars(sa.select(Application).where(Application.id.in_(ids)))}


def actions(store, application_id) -> list[tuple[str, Status | None, Status | None, int | None, str | None]]:
    return [(e.action, e.from_status, e.to_status, e.actor_id, e.note) for e in store.scalars(
        sa.select(AuditEntry).where(AuditEntry.application_id == application_id).order_by(AuditEntry.id))]


# ---- Forming a cohort ----

@pytest.mark.parametrize("days", [25, 30])
def test_forming_a_cohort_makes_its_schedule_around_nauryz(app, chamber, trainer, store, days):
    cohort_id = cohort_id_of(form_cohort(chamber, trainer.id, days=days))
    schedule = days_of(store, cohort_id)
    dates = [d.date for d in schedule]
    assert [d.day_number for d in schedule] == list(range(1, days + 1))
    assert dates[:6] == [date(2026, 3, 16), date(2026, 3, 17), date(2026, 3, 18), date(2026, 3, 19),
                         date(2026, 3, 20), date(2026, 3, 24)]  # 21 (Sat), 22 (Sun), 23 (Mon): Nauryz
    assert dates == sorted(set(dates))
    with app.app_context():
        holidays = public_holidays()
    assert not any(d.weekday() == 6 or d in holidays for d in dates)
    modules = [d.module_number for d in schedule]
    assert modules == sorted(modules) and modules[0] == 1 and modules[-1] == 12 and len(set(modules)) == 12
    assert set(Counter(modules).values()) <= {2, 3}
    saved = store.scalar(sa.select(Cohort).where(Cohort.id == cohort_id))
    assert (saved.number, saved.programme_year, saved.training_days, saved.start_date, saved.trainer_id) == (
        1, 2026, days, MONDAY, trainer.id)
    page = page_text(chamber.get(f"/cohorts/{cohort_id}"))
    assert page.count('<tr id="day-') == days and dates[-1].strftime("%d.%m.%Y") in page


def test_a_start_on_a_sunday_or_holiday_begins_on_the_next_working_day(chamber, trainer, store):
    cohort_id = cohort_id_of(form_cohort(chamber, trainer.id, start=date(2026, 3, 22)))  # Sunday, then Nauryz
    assert store.scalar(sa.select(Cohort.start_date).where(Cohort.id == cohort_id)) == date(2026, 3, 24)
    assert days_of(store, cohort_id)[0].date == date(2026, 3, 24)


def test_weekdays_are_named_in_the_page_language(chamber, cohort):
    chamber.set_cookie("lang", "ru")
    page = page_text(chamber.get(f"/cohorts/{cohort}"))
    assert "16.03.2026, понедельник" in page


def test_a_number_already_used_in_the_year_is_refused(chamber, trainer, store):
    form_cohort(chamber, trainer.id, number=2)
    again = form_cohort(chamber, trainer.id, number=2, start=date(2026, 5, 4))
    assert again.status_code == 409 and 'id="number-error"' in page_text(again)
    assert store.count(Cohort) == 1
    # The same number in another year, or in another district, is fine.
    cohort_id_of(form_cohort(chamber, trainer.id, number=2, start=date(2027, 2, 1)))
    assert store.count(Cohort) == 2


def test_two_staff_taking_the_same_number_at_once(chamber, trainer, store, monkeypatch):
    """The check passed for both; the database's unique constraint refuses the second kindly."""
    form_cohort(chamber, trainer.id, number=3)
    monkeypatch.setattr(services, "free_numbers", lambda district_id, year: list(range(1, 7)))
    response = form_cohort(chamber, trainer.id, number=3, start=date(2026, 6, 1))
    assert response.status_code == 409 and 'id="number-error"' in page_text(response)
    assert store.count(Cohort) == 1


@pytest.mark.parametrize("field, value", [
    ("days", 24), ("days", 31), ("capacity", 0), ("capacity", 61), ("number", 7), ("language", "en"),
    ("start", date(2026, 3, 1)),   # before today (2 March)
    ("start", date(2028, 3, 6)),   # not in the programme year
    ("venue", ""),
])
def test_wrong_details_are_refused(chamber, trainer, store, field, value):
    response = form_cohort(chamber, trainer.id, **{field: value, "year": 2026})
    assert response.status_code == 422
    assert 'class="error"' in page_text(response)
    assert store.count(Cohort) == 0


def test_the_trainer_must_be_an_active_trainer_of_the_district(chamber, make_user, store):
    elsewhere = make_user(Role.TRAINER, OTHER)
    closed = make_user(Role.TRAINER, username="closed-trainer", active=False)
    officer = make_user(Role.CENTRE_OFFICER)
    active = make_user(Role.TRAINER, username="active-trainer")
    page = page_text(chamber.get("/cohorts/new"))
    offered = re.findall(r'<option value="(\d+)"', re.search(r'<select[^>]*name="trainer".*?</select>', page, re.S)[0])
    assert offered == [str(active.id)]
    for user in (elsewhere, closed, officer):
        assert form_cohort(chamber, user.id).status_code in (409, 422)
    assert store.count(Cohort) == 0


def test_without_a_trainer_the_page_says_whom_to_ask(chamber):
    page = page_text(chamber.get("/cohorts/new"))
    assert 'id="no-trainer"' in page and 'name="venue"' not in page


def test_the_district_list_shows_dates_trainer_and_places(chamber, cohort, make_application, store):
    enrol(chamber, cohort, [make_application(status=Status.TEST_PASSED)])
    page = page_text(chamber.get("/cohorts"))
    row = re.search(rf'<tr id="cohort-{cohort}">(.*?)</tr>', page, re.S).group(1)
    assert "16.03.2026" in row and "15.04.2026" in row and "Тест Қызметкер" in row
    assert re.search(r'class="enrolled">1 / 3<', row)


# ---- Enrolment ----

def test_enrolling_within_capacity(chamber, cohort, make_application, store):
    ids = [make_application(status=Status.TEST_PASSED, surname=name) for name in ("Әлиева", "Бекова")]
    response = enrol(chamber, cohort, ids)
    assert response.status_code == 302
    enrolled = store.scalars(sa.select(Application).where(Application.id.in_(ids)))
    assert {(a.status, a.cohort_id) for a in enrolled} == {(Status.ENROLLED, cohort)}
    assert actions(store, ids[0]) == [("enrolled", Status.TEST_PASSED, Status.ENROLLED, chamber.user.id, "1/2026")]
    page = page_text(chamber.get(f"/cohorts/{cohort}"))
    assert all(f'id="participant-{i}"' in page for i in ids) and 'id="enrolled">2 / 3' in page


def test_over_capacity_nobody_is_enrolled(chamber, cohort, make_application, store):
    ids = [make_application(status=Status.TEST_PASSED) for _ in range(4)]
    response = enrol(chamber, cohort, ids)
    assert response.status_code == 409 and 'id="form-error"' in page_text(response)
    assert set(statuses(store, ids).values()) == {Status.TEST_PASSED}
    assert store.count(AuditEntry, AuditEntry.action == "enrolled") == 0
    # Three fit exactly; then the cohort is full.
    assert enrol(chamber, cohort, ids[:3]).status_code == 302
    assert enrol(chamber, cohort, ids[3:]).status_code == 409
    assert statuses(store, ids)[ids[3]] == Status.TEST_PASSED


def test_only_those_who_passed_the_test_in_the_district_can_be_enrolled(chamber, cohort, make_application, store):
    passed = make_application(status=Status.TEST_PASSED, surname="Өтті")
    approved = make_application(status=Status.LIST_APPROVED, surname="Күтуде")
    failed = make_application(status=Status.TEST_FAILED, surname="Өтпеді")
    elsewhere = make_application(OTHER, status=Status.TEST_PASSED, surname="Басқа")
    page = page_text(chamber.get(f"/cohorts/{cohort}"))
    candidates = re.search(r'id="candidates">(.*?)</table>', page, re.S).group(1)
    assert "Өтті" in candidates and not any(n in candidates for n in ("Күтуде", "Өтпеді", "Басқа"))
    assert enrol(chamber, cohort, [approved, failed, elsewhere]).status_code == 409
    assert enrol(chamber, cohort, [passed, approved, failed, elsewhere]).status_code == 302
    assert statuses(store, [passed, approved, failed, elsewhere]) == {
        passed: Status.ENROLLED, approved: Status.LIST_APPROVED, failed: Status.TEST_FAILED,
        elsewhere: Status.TEST_PASSED}


def test_one_cohort_at_a_time(chamber, trainer, cohort, make_application, store):
    second = cohort_id_of(form_cohort(chamber, trainer.id, number=2, start=date(2026, 5, 4)))
    person = make_application(status=Status.TEST_PASSED)
    enrol(chamber, cohort, [person])
    assert f'name="application" value="{person}"' not in page_text(chamber.get(f"/cohorts/{second}"))
    assert enrol(chamber, second, [person]).status_code == 409
    assert store.scalar(sa.select(Application.cohort_id).where(Application.id == person)) == cohort


def test_nothing_ticked_is_explained(chamber, cohort):
    response = post_form(chamber, f"/cohorts/{cohort}/enrol", {}, page=f"/cohorts/{cohort}")
    assert response.status_code == 422 and 'id="form-error"' in page_text(response)


def test_taking_a_participant_out_before_the_start(chamber, cohort, make_application, store, clock):
    person, other = make_application(status=Status.TEST_PASSED), make_application(status=Status.TEST_PASSED)
    enrol(chamber, cohort, [person, other])
    assert unenrol(chamber, cohort, person).status_code == 302
    assert store.scalar(sa.select(Application).where(Application.id == person)).cohort_id is None
    assert statuses(store, [person]) == {person: Status.TEST_PASSED}
    assert actions(store, person)[-1] == ("unenrolled", Status.ENROLLED, Status.TEST_PASSED, chamber.user.id,
                                          "1/2026")
    assert unenrol(chamber, cohort, person).status_code == 409  # not in the cohort any more
    clock.day = MONDAY  # training has started: nobody is taken out any more
    assert unenrol(chamber, cohort, other).status_code == 409
    assert store.scalar(sa.select(Application.cohort_id).where(Application.id == other)) == cohort


def test_enrolling_closes_when_training_has_started(chamber, cohort, make_application, store, clock):
    clock.day = MONDAY + timedelta(days=1)
    person = make_application(status=Status.TEST_PASSED)
    assert 'id="enrolment"' not in page_text(chamber.get(f"/cohorts/{cohort}"))
    assert enrol(chamber, cohort, [person]).status_code == 409
    assert statuses(store, [person]) == {person: Status.TEST_PASSED}


def test_enrolled_on_the_first_day_is_in_training_at_once(chamber, cohort, make_application, store, clock):
    clock.day = MONDAY
    person = make_application(status=Status.TEST_PASSED)
    assert enrol(chamber, cohort, [person]).status_code == 302
    assert [a[0] for a in actions(store, person)] == ["enrolled", "training_started"]
    assert statuses(store, [person]) == {person: Status.IN_TRAINING}


def test_another_districts_cohort_is_not_found(app, chamber, make_user, make_application, store, clock):
    other_trainer = make_user(Role.TRAINER, OTHER)
    theirs = app.test_client()
    login(theirs, make_user(Role.CHAMBER_STAFF, OTHER))
    cohort_id = cohort_id_of(form_cohort(theirs, other_trainer.id))
    person = make_application(OTHER, status=Status.TEST_PASSED)
    assert chamber.get(f"/cohorts/{cohort_id}").status_code == 404
    assert enrol(chamber, cohort_id, [person]).status_code == 404
    assert post_form(chamber, f"/cohorts/{cohort_id}/edit", {"venue": "x", "trainer": "1", "capacity": "5"},
                     page="/cohorts").status_code == 404
    assert chamber.get(f"/cohorts/{cohort_id}/days/1").status_code == 404
    assert f'id="cohort-{cohort_id}"' not in page_text(chamber.get("/cohorts"))
    assert statuses(store, [person]) == {person: Status.TEST_PASSED}


def test_administrators_read_cohorts_of_their_area(app, chamber, cohort, make_user):
    national = app.test_client()
    login(national, make_user(Role.NATIONAL_ADMIN))
    page = page_text(national.get(f"/cohorts/{cohort}"))
    assert 'id="schedule-table"' in page and 'id="enrolment"' not in page and "/edit" not in page
    assert f'id="cohort-{cohort}"' in page_text(national.get("/cohorts"))
    regional_elsewhere = app.test_client()
    login(regional_elsewhere, make_user(Role.REGIONAL_ADMIN, OTHER))
    assert regional_elsewhere.get(f"/cohorts/{cohort}").status_code == 404


# ---- Changing the schedule and the details ----

def change_day(client, cohort_id, number, new_date, module):
    return post_form(client, f"/cohorts/{cohort_id}/days/{number}",
                     {"date": new_date.isoformat() if isinstance(new_date, date) else new_date,
                      "module": str(module)})


@pytest.mark.parametrize("number, new_date", [
    (2, date(2026, 3, 22)),   # a Sunday
    (5, date(2026, 3, 23)),   # Nauryz
    (2, date(2026, 3, 18)),   # day 3's date
    (3, date(2026, 3, 25)),   # after day 4: the days would leave their order
    (2, "32.03.2026"),        # not a date
])
def test_a_day_cannot_move_to_a_sunday_holiday_used_or_disordered_date(chamber, cohort, store, number, new_date):
    before = days_of(store, cohort)
    response = change_day(chamber, cohort, number, new_date, 1)
    assert response.status_code in (409, 422) and 'id="date-error"' in page_text(response)
    assert [(d.date, d.module_number) for d in days_of(store, cohort)] == [(d.date, d.module_number) for d in before]


def test_moving_a_day_and_changing_its_module(chamber, cohort, store):
    last = days_of(store, cohort)[-1]
    assert change_day(chamber, cohort, last.day_number, last.date + timedelta(days=1), 11).status_code == 302
    moved = days_of(store, cohort)[-1]
    assert (moved.date, moved.module_number) == (last.date + timedelta(days=1), 11)
    # Moving the first day moves the cohort's start.
    assert change_day(chamber, cohort, 1, date(2026, 3, 14), 1).status_code == 302
    assert store.scalar(sa.select(Cohort.start_date).where(Cohort.id == cohort)) == date(2026, 3, 14)


def test_a_day_already_held_stays_as_it_was(chamber, cohort, store):
    store.execute(sa.update(TrainingDay).where(TrainingDay.cohort_id == cohort, TrainingDay.day_number == 2)
                  .values(delivered_at=datetime(2026, 3, 17, 10)))
    assert change_day(chamber, cohort, 2, date(2026, 3, 17), 5).status_code == 409
    assert days_of(store, cohort)[1].module_number == 1


def test_changing_the_details(chamber, cohort, make_user, make_application, store):
    other = make_user(Role.TRAINER, username="second-trainer")
    enrol(chamber, cohort, [make_application(status=Status.TEST_PASSED) for _ in range(2)])
    data = {"venue": "Жаңа мекенжай", "trainer": str(other.id), "capacity": "1"}
    refused = post_form(chamber, f"/cohorts/{cohort}/edit", data)
    assert refused.status_code == 409 and 'id="capacity-error"' in page_text(refused)
    assert post_form(chamber, f"/cohorts/{cohort}/edit", dict(data, capacity="2")).status_code == 302
    saved = store.scalar(sa.select(Cohort).where(Cohort.id == cohort))
    assert (saved.venue, saved.trainer_id, saved.capacity) == ("Жаңа мекенжай", other.id, 2)


# ---- The status steps of training: moved by the calendar's job, never by a page ----

def advance(app, day):
    with app.app_context():
        return run_job(BY_NAME["training_moves"], day)


def test_statuses_follow_the_calendar(app, chamber, cohort, make_application, store):
    ids = [make_application(status=Status.TEST_PASSED) for _ in range(3)]
    enrol(chamber, cohort, ids)
    stays, expelled, absent = ids
    last_day = days_of(store, cohort)[-1].date

    assert advance(app, MONDAY - timedelta(days=1)) == Moved(0, 0)
    assert advance(app, MONDAY) == Moved(started=3)
    assert set(statuses(store, ids).values()) == {Status.IN_TRAINING}
    assert actions(store, stays)[-1] == ("training_started", Status.ENROLLED, Status.IN_TRAINING, None, "1/2026")
    assert advance(app, MONDAY) == Moved()  # nothing twice

    store.execute(sa.update(Application).where(Application.id == expelled).values(status=Status.EXPELLED))
    with app.app_context():  # four days absent without a valid reason: the commission decides first
        for day in db.session.scalars(sa.select(TrainingDay).where(TrainingDay.cohort_id == cohort)
                                      .order_by(TrainingDay.day_number).limit(4)):
            db.session.add(Attendance(training_day_id=day.id, application_id=absent, mark=Mark.ABSENT,
                                      recorded_by_id=chamber.user.id))
        db.session.commit()

    assert advance(app, last_day) == Moved()  # the last day itself is still training
    assert advance(app, last_day + timedelta(days=1)) == Moved(completed=1)
    assert statuses(store, ids) == {stays: Status.TRAINING_COMPLETED, expelled: Status.EXPELLED,
                                    absent: Status.IN_TRAINING}
    assert actions(store, stays)[-1] == ("training_completed", Status.IN_TRAINING, Status.TRAINING_COMPLETED,
                                         None, "1/2026")
    assert actions(store, expelled)[-1][0] == "training_started"

    with app.app_context():  # the commission keeps them: now they complete too
        db.session.add(ExpulsionReview(application_id=absent, expel=False, reason="other", decided_on=last_day,
                                       unexcused_days=4, decided_by_id=chamber.user.id))
        db.session.commit()
    assert advance(app, last_day + timedelta(days=2)) == Moved(completed=1)
    assert statuses(store, [absent]) == {absent: Status.TRAINING_COMPLETED}


def test_a_missed_start_is_caught_up_step_by_step(app, chamber, cohort, make_application, store):
    person = make_application(status=Status.TEST_PASSED)
    enrol(chamber, cohort, [person])
    assert advance(app, date(2026, 6, 1)) == Moved(started=1, completed=1)
    assert [a[0] for a in actions(store, person)] == ["enrolled", "training_started", "training_completed"]


def test_opening_the_cohort_page_changes_no_status(chamber, cohort, make_application, store, clock):
    """A GET never writes programme data: the page shows what the calendar's job has done, nothing more."""
    person = make_application(status=Status.TEST_PASSED)
    enrol(chamber, cohort, [person])
    clock.day = MONDAY
    page = page_text(chamber.get(f"/cohorts/{cohort}"))
    assert statuses(store, [person]) == {person: Status.ENROLLED}
    assert re.search(r'<tr id="day-1" aria-current="date">', page)


def test_the_run_due_command(app, chamber, trainer, make_application, store):
    """`flask jobs run-due`, for cron, uses the real date: a cohort of 2020 is long over."""
    with app.app_context():
        dates = rules.training_dates(date(2020, 1, 6), 25, public_holidays())
        old = Cohort(district_id=chamber.user.district_id, programme_year=2020, number=1, language="ru", venue="—",
                     start_date=dates[0], training_days=25, capacity=10, trainer_id=trainer.id,
                     created_by_id=chamber.user.id,
                     days=[TrainingDay(day_number=i + 1, date=d, module_number=rules.module_of_day(i, 25))
                           for i, d in enumerate(dates)])
        db.session.add(old)
        db.session.commit()
        old_id = old.id
    person = make_application(status=Status.ENROLLED, cohort_id=old_id)
    result = app.test_cli_runner().invoke(args=["jobs", "run-due", "--all"])
    assert result.exit_code == 0, result.output
    assert "1 started, 1 completed" in result.output
    assert statuses(store, [person]) == {person: Status.TRAINING_COMPLETED}


# ---- The public page: when does training start? ----

def place_ids(app, code="195200000") -> tuple[int, int]:
    with app.app_context():
        place = db.session.scalar(sa.select(District).where(District.kato_code == code))
        return place.region_id, place.id


def test_upcoming_cohorts_of_a_district_with_places_left(app, client, chamber, trainer, cohort, make_application,
                                                         store, clock):
    started = cohort_id_of(form_cohort(chamber, trainer.id, number=2, start=date(2026, 3, 3)))
    later = cohort_id_of(form_cohort(chamber, trainer.id, number=3, start=date(2026, 5, 4), language="ru",
                                     capacity=20))
    enrol(chamber, cohort, [make_application(status=Status.TEST_PASSED) for _ in range(2)])
    clock.day = date(2026, 3, 4)
    region_id, district_id = place_ids(app)
    response = client.get(f"/training?region={region_id}&district={district_id}")
    assert response.status_code == 200
    page = page_text(response)
    assert f'id="cohort-{started}"' not in page  # already started
    assert page.index(f'id="cohort-{cohort}"') < page.index(f'id="cohort-{later}"')  # soonest first
    places = dict(re.findall(r'id="cohort-(\d+)".*?data-places-left="(\d+)"', page, re.S))
    assert places == {str(cohort): "1", str(later): "20"}
    assert "<img" not in page and len(response.data) < 20_000


def test_choosing_region_then_district_without_javascript(app, client):
    region_id, district_id = place_ids(app)
    first = page_text(client.get("/training"))
    assert 'name="region"' in first and f'<option value="{district_id}"' not in first
    second = page_text(client.get(f"/training?region={region_id}"))  # the plain form's Show button
    assert f'<option value="{district_id}"' in second and 'id="choose-district"' in second
    _, elsewhere = place_ids(app, OTHER)
    mismatched = page_text(client.get(f"/training?region={region_id}&district={elsewhere}"))
    assert 'id="results"' not in mismatched


def test_the_district_list_as_an_htmx_fragment(app, client):
    region_id, district_id = place_ids(app)
    fragment = client.get(f"/training/districts?region={region_id}", headers={"HX-Request": "true"})
    body = page_text(fragment)
    assert fragment.status_code == 200 and "<html" not in body and f'<option value="{district_id}"' in body
    assert client.get(f"/training/districts?region={region_id}").status_code == 302  # not a page of its own


def test_a_district_without_cohorts(app, client, clock):
    region_id, district_id = place_ids(app)
    assert 'id="no-cohorts"' in page_text(client.get(f"/training?region={region_id}&district={district_id}"))


# ---- The participant's schedule on the status page ----

@pytest.fixture
def enrolled_receipt(chamber, cohort, receipt, store):
    """An applicant who applied, passed the test and was enrolled in cohort №1."""
    store.execute(sa.update(Application).values(status=Status.TEST_PASSED))
    application_id = store.scalar(sa.select(Application.id))
    assert enrol(chamber, cohort, [application_id]).status_code == 302
    return receipt


def test_the_status_page_shows_the_schedule_of_an_enrolled_applicant(app, client, enrolled_receipt, trainer,
                                                                     clock):
    clock.day = MONDAY + timedelta(days=1)  # Tuesday: day 2
    look_up(client, enrolled_receipt)
    page = page_text(client.get("/status/view"))
    block = re.search(r'<section id="my-schedule">(.*?)</section>', page, re.S).group(1)
    assert 'id="my-cohort">№1/2026<' in block and "Абылай хан көшесі" in block and trainer.full_name in block
    assert block.count("<li") == 25
    today_row = re.search(r'<li aria-current="date" id="today">(.*?)</li>', block, re.S).group(1)
    assert "17.03.2026" in today_row and "<mark>" in today_row
    assert "data-print" in block


def test_the_status_page_shows_the_training_once_the_calendar_started_it(app, client, enrolled_receipt, store,
                                                                         clock):
    clock.day = MONDAY
    look_up(client, enrolled_receipt, headers=RU)
    client.get("/status/view", headers=RU)
    assert store.scalar(sa.select(Application.status)) == Status.ENROLLED  # the page itself moved nothing
    advance(app, MONDAY)
    page = page_text(client.get("/status/view", headers=RU))
    assert store.scalar(sa.select(Application.status)) == Status.IN_TRAINING
    assert 'id="my-schedule"' in page and "16.03.2026, понедельник" in page
    current = re.search(r'id="current-status">([^<]+)<', page).group(1)
    with app.test_request_context(headers=RU):
        from bastau.labels import STATUS_LABELS
        assert html.unescape(current) == str(STATUS_LABELS[Status.IN_TRAINING])


def test_no_schedule_before_enrolment(client, receipt, store):
    store.execute(sa.update(Application).values(status=Status.TEST_PASSED))
    look_up(client, receipt)
    assert 'id="my-schedule"' not in page_text(client.get("/status/view"))


# ---- In Chromium: the public page with and without JavaScript, on a small phone ----

@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False])
def test_finding_upcoming_cohorts_on_a_phone(app, live_server, browser, cohort, clock, javascript):
    region_id, district_id = place_ids(app)
    context = browser.new_context(viewport={"width": 360, "height": 640}, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(live_server + "/training")
    page.select_option("#region", str(region_id))
    if javascript:  # htmx fills in the districts of the region
        page.wait_for_selector(f'#district option[value="{district_id}"]', state="attached")
    else:  # the plain form: Show, then choose the district
        page.click("main form button")
        page.wait_for_selector("#choose-district")
    page.select_option("#district", str(district_id))
    page.click("main form button")
    page.wait_for_selector(f"#cohort-{cohort}")
    assert page.inner_text(f"#cohort-{cohort} .places-left") == "3"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_upcoming_cohorts_speak_the_visitors_language(app, client, chamber, trainer, clock, locale):
    form_cohort(chamber, trainer.id, number=4, start=date(2026, 5, 4), language="ru")
    clock.day = date(2026, 4, 20)
    region_id, district_id = place_ids(app)
    client.set_cookie("lang", locale)
    page = page_text(client.get(f"/training?region={region_id}&district={district_id}"))
    assert translated("When does training start?", locale) in page
    assert translated("Russian", locale) in page  # the cohort's training language, in the visitor's words
    assert format_date(date(2026, 5, 4), "long", locale=locale) in page
