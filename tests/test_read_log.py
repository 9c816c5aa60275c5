"""The read log (bastau/read_log.py): every staff view of a named person, plan download and export of names is one
append-only row (who, role, when, what as kind + id, from where), and a national administrator finds who looked at
a person and downloads the accesses of a time window for a breach notice."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from bastau import demo, read_log
from bastau.clock import today
from bastau.extensions import db
from bastau.models import ApplicantList, Application, BusinessPlan, DefenceSession, ReadEntry, Role, TrainingDay, User
from tests.conftest import login, page_text, post_form, translated

RU = {"Accept-Language": "ru"}


@pytest.fixture
def world(app):
    """The demo data: staff of every role in one district, people at every step."""
    with app.app_context():
        demo.load()
        trainee = db.session.scalar(sa.select(Application).where(Application.surname == "Дүйсенбаев"))
        graduate = db.session.scalar(sa.select(Application).where(Application.surname == "Әбілқасымова"))
        listed = db.session.scalar(sa.select(ApplicantList).order_by(ApplicantList.id).limit(1))
        # the first account of each role: the demo staff, not the extra ones of other regions
        users = {user.role: user for user in db.session.scalars(sa.select(User).order_by(User.id.desc()))}
        for user in users.values():
            db.session.expunge(user)
        day = db.session.scalar(sa.select(TrainingDay).where(TrainingDay.cohort_id == trainee.cohort_id)
                                .order_by(TrainingDay.day_number).limit(1))
        session = db.session.scalar(sa.select(DefenceSession).where(DefenceSession.cohort_id == graduate.cohort_id))
        plan = db.session.scalar(sa.select(BusinessPlan).where(BusinessPlan.application_id == graduate.id))
        return {"users": users, "trainee": (trainee.id, trainee.reference, trainee.iin, trainee.cohort_id),
                "graduate": (graduate.id, graduate.reference, graduate.iin, graduate.cohort_id),
                "list_id": listed.id, "listed_id": listed.entries[0].application_id, "day_id": day.id,
                "session_id": session.id, "plan_version": plan.version}


def signed_in(app, user, headers=None):
    client = app.test_client()
    if headers:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = headers["Accept-Language"]
    login(client, user, demo.DEMO_PASSWORD)
    return client


def entries(store) -> list[ReadEntry]:
    return store.scalars(sa.select(ReadEntry).order_by(ReadEntry.id))


def test_every_staff_page_is_either_logged_or_shows_no_person(app):
    """A new staff page must say whether it shows a named person: the test fails until it is in one list."""
    unclassified = sorted(
        rule.endpoint for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and getattr(app.view_functions[rule.endpoint], "allowed_roles", None)
        and rule.endpoint not in read_log.READS and rule.endpoint not in read_log.NO_PERSON)
    assert not unclassified, f"add to read_log.READS (shows a person) or NO_PERSON: {unclassified}"
    assert not set(read_log.READS) & read_log.NO_PERSON


def test_a_staff_view_of_a_person_is_one_row_with_ids_and_no_personal_data(app, store, world):
    person_id, reference, iin, _cohort = world["trainee"]
    client = signed_in(app, world["users"][Role.CHAMBER_STAFF])
    before = entries(store)
    assert client.get(f"/staff/applications/{person_id}").status_code == 200
    added = entries(store)[len(before):]
    assert len(added) == 1
    entry = added[0]
    chamber = world["users"][Role.CHAMBER_STAFF]
    assert (entry.actor_id, entry.actor_role, entry.kind, entry.object_id, entry.address) == (
        chamber.id, "chamber_staff", read_log.APPLICATION, person_id, "127.0.0.1")
    with app.app_context():
        person = db.session.get(Application, person_id)
        row = db.session.execute(sa.select(ReadEntry.__table__).where(ReadEntry.id == entry.id)).one()
        assert not {person.iin, person.surname, person.first_name, person.phone, reference} & {str(v) for v in row}


def test_a_page_refused_or_not_found_is_not_logged(app, store, world, make_user):
    person_id = world["trainee"][0]
    other = make_user(Role.OPERATOR, "615200000", username="far-operator")
    client = app.test_client()
    login(client, other)
    before = len(entries(store))
    assert client.get(f"/staff/applications/{person_id}").status_code == 404
    assert client.get("/staff/password").status_code == 200  # a page with no person
    assert len(entries(store)) == before


@pytest.mark.parametrize("role, path, kind, key", [
    (Role.CENTRE_OFFICER, "/lists/{list_id}.csv", read_log.LIST_EXPORT, "list_id"),
    (Role.CHAMBER_STAFF, "/lists/{list_id}.xlsx", read_log.LIST_EXPORT, "list_id"),
    (Role.CHAMBER_STAFF, "/lists/{list_id}", read_log.LIST, "list_id"),
    (Role.TRAINER, "/trainer/days/{day_id}", read_log.TRAINING_DAY, "day_id"),
    (Role.TRAINER, "/trainer/cohorts/{cohort}", read_log.COHORT, "cohort"),
    (Role.CHAMBER_STAFF, "/cohorts/{cohort}", read_log.COHORT, "cohort"),
    (Role.CHAMBER_STAFF, "/defence/{session_id}/protocol.pdf", read_log.DEFENCE_SESSION, "session_id"),
    (Role.CHAMBER_STAFF, "/plans/applications/{graduate}/versions/{plan_version}", read_log.PLAN_DOWNLOAD, "graduate"),
    (Role.CENTRE_OFFICER, "/centre/", read_log.AREA, None),
    (Role.CHAMBER_STAFF, "/financing", read_log.AREA, None),
])
def test_lists_exports_registers_and_plan_downloads_are_logged(app, store, world, role, path, kind, key):
    ids = {"list_id": world["list_id"], "day_id": world["day_id"], "cohort": world["trainee"][3],
           "session_id": world["session_id"], "graduate": world["graduate"][0], "plan_version": world["plan_version"]}
    client = signed_in(app, world["users"][role])
    before = len(entries(store))
    response = client.get(path.format(**ids))
    assert response.status_code == 200, page_text(response)[:300]
    added = entries(store)[before:]
    assert [(e.kind, e.object_id) for e in added] == [(kind, ids[key] if key else None)]
    assert added[0].district_id == world["users"][role].district_id


def test_the_read_log_cannot_be_changed_or_emptied(app, world, store):
    client = signed_in(app, world["users"][Role.CHAMBER_STAFF])
    client.get(f"/staff/applications/{world['trainee'][0]}")
    with app.app_context():
        for statement in ("UPDATE read_entry SET actor_id = 1", "DELETE FROM read_entry"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                with db.engine.begin() as conn:
                    conn.exec_driver_sql(statement)
    assert len(entries(store)) == 1


def test_a_get_that_is_logged_writes_nothing_else(app, store, world):
    """A read writes its row only: the application, its history and every other table stay as they were."""
    counted = [t.name for t in db.metadata.sorted_tables if t.name not in ("read_entry", "web_session")]

    def counts():
        with app.app_context():
            return {name: db.session.scalar(sa.text(f"SELECT count(*) FROM {name}")) for name in counted}

    client = signed_in(app, world["users"][Role.CHAMBER_STAFF])
    before = counts()
    for path in (f"/staff/applications/{world['graduate'][0]}", f"/cohorts/{world['graduate'][3]}",
                 f"/financing/{world['graduate'][0]}", f"/lists/{world['list_id']}.xlsx"):
        assert client.get(path).status_code == 200
    assert counts() == before


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_the_national_administrator_sees_who_looked_at_a_person(app, store, world, locale):
    person_id, reference, iin, cohort_id = world["trainee"]
    users = world["users"]
    signed_in(app, users[Role.CHAMBER_STAFF]).get(f"/staff/applications/{person_id}")  # the person's own page
    signed_in(app, users[Role.TRAINER]).get(f"/trainer/cohorts/{cohort_id}")            # a list that includes them
    signed_in(app, users[Role.TRAINER]).get(f"/trainer/days/{world['day_id']}")
    signed_in(app, users[Role.CENTRE_OFFICER]).get("/centre/")                           # the district's queue
    signed_in(app, users[Role.CHAMBER_STAFF]).get(f"/cohorts/{world['graduate'][3]}")    # another cohort: not them

    headers = {"Accept-Language": locale}
    admin = signed_in(app, users[Role.NATIONAL_ADMIN], headers)
    index = admin.get("/admin/read-log")
    assert index.status_code == 200 and translated("Who looked at a person", locale) in page_text(index)
    for typed in (reference.lower(), iin):
        response = post_form(admin, "/admin/read-log/person", {"person": typed}, page="/admin/read-log")
        assert response.status_code == 200
        body = page_text(response)
        assert reference in body and users[Role.TRAINER].full_name in body
        assert body.count('class="read-') >= 4  # own page, cohort page, register, district queue
        assert f'class="read-{read_log.COHORT}"' in body and f'class="read-{read_log.TRAINING_DAY}"' in body
        assert translated("A cohort's list of participants", locale) in body
        with app.app_context():
            person = db.session.get(Application, person_id)
            rows = read_log.looked_at(person)
            assert world["graduate"][3] not in {e.object_id for e, _u in rows if e.kind == read_log.COHORT}
    # The IIN went in the form's body, never in an address; the look-up itself is in the log.
    assert (read_log.READ_LOG_PERSON, person_id) in {(e.kind, e.object_id) for e in entries(store)}


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_an_unknown_person_is_said_so(app, world, locale):
    admin = signed_in(app, world["users"][Role.NATIONAL_ADMIN], {"Accept-Language": locale})
    response = post_form(admin, "/admin/read-log/person", {"person": "BB-2020-999999"}, page="/admin/read-log")
    assert response.status_code == 404
    assert translated("No application has this reference number or IIN.", locale) in page_text(response)


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_accesses_of_a_time_window_download_for_a_breach_notice(app, store, world, locale):
    users = world["users"]
    signed_in(app, users[Role.CHAMBER_STAFF]).get(f"/staff/applications/{world['trainee'][0]}")
    signed_in(app, users[Role.CENTRE_OFFICER]).get(f"/lists/{world['list_id']}.csv")
    admin = signed_in(app, users[Role.NATIONAL_ADMIN], {"Accept-Language": locale})
    day = today().isoformat()
    csv = admin.get(f"/admin/read-log/accesses.csv?first={day}&last={day}")
    assert csv.status_code == 200 and "attachment" in csv.headers["Content-Disposition"]
    text = csv.get_data().decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert translated("What was seen", locale) in lines[0]
    assert any(";application;" in line and f";{world['trainee'][0]};" in line for line in lines)
    assert any(";list_export;" in line and users[Role.CENTRE_OFFICER].username in line for line in lines)
    xlsx = admin.get(f"/admin/read-log/accesses.xlsx?first={day}&last={day}")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    kinds = [row[6] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert "application" in kinds and "list_export" in kinds
    yesterday = (today() - timedelta(days=1)).isoformat()
    empty = admin.get(f"/admin/read-log/accesses.csv?first={yesterday}&last={yesterday}")
    assert len(empty.get_data().decode("utf-8-sig").strip().splitlines()) == 1  # the header only
    wrong = admin.get(f"/admin/read-log/accesses.csv?first={day}&last={yesterday}")
    assert wrong.status_code == 422
    assert translated("The last day cannot be before the first day.", locale) in page_text(wrong)


def test_only_the_national_administrator_opens_the_read_log(app, world):
    for role in (Role.REGIONAL_ADMIN, Role.CHAMBER_STAFF, Role.OPERATOR):
        assert signed_in(app, world["users"][role]).get("/admin/read-log").status_code == 403
    desk = signed_in(app, world["users"][Role.NATIONAL_ADMIN]).get("/staff/")
    assert 'href="/admin/read-log"' in page_text(desk)


def test_the_read_log_has_no_column_that_could_hold_a_name():
    """Kinds and ids only: anonymising a person (issue 16) needs no change to the read log."""
    assert {c.name for c in ReadEntry.__table__.columns} == {
        "id", "created_at", "actor_id", "actor_role", "kind", "object_id", "district_id", "address"}
    assert all(not isinstance(c.type, sa.Text) for c in ReadEntry.__table__.columns)


@pytest.mark.parametrize("role, logged", [(Role.OPERATOR, True), (Role.CHAMBER_STAFF, True),
                                          (Role.CENTRE_OFFICER, False), (Role.NATIONAL_ADMIN, False)])
def test_a_desk_is_logged_only_where_it_shows_names(app, store, world, role, logged):
    """The operator's desk lists the day's applicants, the chamber's notices name people; the others show counts."""
    client = signed_in(app, world["users"][role])
    before = len(entries(store))
    assert client.get("/staff/").status_code == 200
    assert [e.kind for e in entries(store)[before:]] == ([read_log.AREA] if logged else [])
