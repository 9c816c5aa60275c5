"""Staff pages send the same number of SQL statements whether they show 3 rows or 30 (no query per row: issue 18),
and on SQLite their queries find rows through an index on what they filter by, never by reading a whole table of
the country. Counts and plans only; speed is measured by `make bench`, never here."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bastau.clock import today
from bastau.extensions import db
from bastau.lists import services as lists
from bastau.models import ApplicantList, Attendance, Cohort, DefenceSession, Mark, Role, Status, TrainingDay, User
from tests.conftest import district, login, sql_sent

OWN = "195200000"
# Tables that grow with the country and the years: a plan must not read one of them whole.
BIG_TABLES = ("application", "list_entry", "applicant_list", "attendance", "training_day", "cohort", "audit_entry",
              "test_sitting", "defence_score", "loan_referral", "certificate")
FULL_SCAN = re.compile(rf"^SCAN ({'|'.join(BIG_TABLES)})\b")


def statements(app, client, url: str) -> int:
    client.get(url)  # a first visit may load what the process keeps (rubric, question bank…)
    with sql_sent(app) as seen:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(seen)


def counts(app, clients: dict, pages: dict[str, tuple[str, str]]) -> dict[str, int]:
    return {name: statements(app, clients[who], url) for name, (who, url) in pages.items()}


def full_scans(app, client, url: str) -> list[str]:
    """The plan lines of the page's SELECTs that read a big table whole (SQLite's EXPLAIN QUERY PLAN)."""
    with sql_sent(app) as seen:
        assert client.get(url).status_code == 200
    found = []
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            for statement, parameters in seen:
                if statement.lstrip().upper().startswith("SELECT"):
                    for row in connection.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall():
                        if FULL_SCAN.match(row[3]):
                            found.append(f"{row[3]}: {' '.join(statement.split())[:300]}")
        finally:
            connection.close()
    return found


@pytest.fixture
def staff(app, make_user) -> dict:
    clients = {}
    for role in (Role.CENTRE_OFFICER, Role.CHAMBER_STAFF, Role.TRAINER):
        client = app.test_client()
        client.user = make_user(role)
        login(client, client.user)
        clients[role.value] = client
    return clients


def _user(app, role: Role) -> User:
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.role == role, User.district_id == district(OWN).id))


# ---- The employment centre's queue and the lists ----

def _a_list_of(app, make_application, n: int, surname: str) -> tuple[int, int]:
    """A list of `n` names, the chamber's decision on two of them, and its second version (one name off, one on)."""
    ids = [make_application(surname=surname, status=Status.TARGET_GROUP_CONFIRMED) for _ in range(n + 1)]
    with app.app_context():
        officer, chamber = _user(app, Role.CENTRE_OFFICER), _user(app, Role.CHAMBER_STAFF)
        sent = lists.send_list(officer, ids[:n])
        entries = [e.id for e in sent.entries]
        lists.review_entries(chamber, sent, entries[:1], approve=True)
        lists.review_entries(chamber, sent, entries[1:2], approve=False, reason="not_reachable")
        sent = db.session.get(ApplicantList, sent.id)
        revised = lists.revise_list(officer, sent, [entries[-1]], [ids[n]], "Бір адам ауысты")
        return sent.id, revised.id


def _list_pages(first: int, revised: int) -> dict[str, tuple[str, str]]:
    return {
        "queue": ("centre_officer", "/centre/?status="),
        "centre lists": ("centre_officer", "/centre/lists"),
        "new list": ("centre_officer", "/centre/lists/new"),
        "list view": ("centre_officer", f"/lists/{revised}"),
        "older version": ("centre_officer", f"/lists/{first}"),
        "list changes": ("centre_officer", f"/lists/{revised}/changes"),
        "list CSV": ("centre_officer", f"/lists/{revised}.csv"),
        "list XLSX": ("centre_officer", f"/lists/{revised}.xlsx"),
        "revise": ("centre_officer", f"/centre/lists/{revised}/revise"),
        "chamber lists": ("chamber_staff", "/chamber/lists"),
        "chamber's list view": ("chamber_staff", f"/lists/{revised}"),
        "test waiting list": ("chamber_staff", "/chamber/tests"),
    }


def test_queue_and_list_pages_send_as_many_statements_for_30_names_as_for_3(app, staff, make_application):
    for _ in range(3):
        make_application(surname="Бекова")  # the queue
        make_application(surname="Ғалиева", status=Status.TARGET_GROUP_CONFIRMED)  # waiting for a list
    small = counts(app, staff, _list_pages(*_a_list_of(app, make_application, 3, "Әлиева")))
    for _ in range(27):
        make_application(surname="Бекова")
        make_application(surname="Ғалиева", status=Status.TARGET_GROUP_CONFIRMED)
    large = counts(app, staff, _list_pages(*_a_list_of(app, make_application, 30, "Дәулетова")))
    assert large == small
    assert max(large.values()) <= 20, large


def test_queue_and_list_queries_use_an_index(app, staff, make_application):
    if app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0] != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    for _ in range(3):
        make_application(surname="Бекова")
    first, revised = _a_list_of(app, make_application, 3, "Әлиева")
    for name, (who, url) in _list_pages(first, revised).items():
        assert full_scans(app, staff[who], url) == [], name


# ---- A cohort: the chamber's page, the trainer's cohort and register, the flagged participants ----

def _cohort_of(app, make_application, trainer_id: int, n: int, number: int) -> dict:
    """A cohort of `n` in training since 10 days ago, every past day marked (the first one absent four times)."""
    started = today() - timedelta(days=10)
    with app.app_context():
        cohort = Cohort(district_id=district(OWN).id, programme_year=started.year, number=number, language="kk",
                        venue="Қаскелең, Абылай хан 25", start_date=started, training_days=25, capacity=30,
                        trainer_id=trainer_id, created_by_id=trainer_id)
        cohort.days = [TrainingDay(day_number=i + 1, date=started + timedelta(days=i), module_number=i * 12 // 25 + 1)
                       for i in range(25)]
        db.session.add(cohort)
        db.session.commit()
        cohort_id, days = cohort.id, [(d.id, d.date) for d in cohort.days]
    people = [make_application(status=Status.IN_TRAINING, cohort_id=cohort_id, surname="Нұрланова")
              for _ in range(n)]
    with app.app_context():
        past = [(day_id, day) for day_id, day in days if day < today()]
        db.session.add_all(Attendance(training_day_id=day_id, application_id=person, recorded_by_id=trainer_id,
                                      mark=Mark.ABSENT if person == people[0] and k < 4 else Mark.PRESENT)
                           for person in people for k, (day_id, _day) in enumerate(past))
        db.session.commit()
    today_id = next(day_id for day_id, day in days if day == today())
    return {"id": cohort_id, "today": today_id}


def _cohort_pages(cohort: dict) -> dict[str, tuple[str, str]]:
    return {
        "cohorts": ("chamber_staff", "/cohorts"),
        "cohort": ("chamber_staff", f"/cohorts/{cohort['id']}"),
        "flagged": ("chamber_staff", "/attendance/flagged"),
        "trainer's cohorts": ("trainer", "/trainer/"),
        "trainer's cohort": ("trainer", f"/trainer/cohorts/{cohort['id']}"),
        "register": ("trainer", f"/trainer/days/{cohort['today']}"),
    }


def test_cohort_pages_send_as_many_statements_for_30_participants_as_for_3(app, staff, make_application):
    trainer = staff["trainer"].user.id
    small = counts(app, staff, _cohort_pages(_cohort_of(app, make_application, trainer, 3, 1)))
    large = counts(app, staff, _cohort_pages(_cohort_of(app, make_application, trainer, 30, 2)))
    assert large == small
    assert max(large.values()) <= 20, large


def test_cohort_queries_use_an_index(app, staff, make_application):
    if app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0] != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    cohort = _cohort_of(app, make_application, staff["trainer"].user.id, 3, 1)
    for name, (who, url) in _cohort_pages(cohort).items():
        assert full_scans(app, staff[who], url) == [], name


# ---- Defence sessions ----

def _sessions(app, cohort_id: int, n: int) -> None:
    with app.app_context():
        chamber = _user(app, Role.CHAMBER_STAFF)
        db.session.add_all(DefenceSession(cohort_id=cohort_id, held_on=today() + timedelta(days=k), place="Әкімдік",
                                          created_by_id=chamber.id) for k in range(n))
        db.session.commit()


def test_defence_sessions_page_sends_as_many_statements_for_30_sessions_as_for_3(app, staff, make_application):
    cohort = _cohort_of(app, make_application, staff["trainer"].user.id, 3, 1)
    _sessions(app, cohort["id"], 3)
    small = statements(app, staff["chamber_staff"], "/defence")
    _sessions(app, cohort["id"], 27)
    assert statements(app, staff["chamber_staff"], "/defence") == small <= 20
