"""Ids of any size (issue 15, item 1): a number in a URL, a query string, a form or a JSON body that no id column
can hold is "not found" (or ignored), never a 500, and nothing is written.

The first test walks the app's url_map: every rule with an int argument, every method it accepts, each argument in
turn set to a number beyond PostgreSQL's INTEGER (2^31), beyond SQLite's (2^63) and a 20-digit one, asked by a
visitor who is not signed in and by a member of a role the route serves. Run on both databases
(BASTAU_TEST_DB=postgresql): the failures it guards against came from the database driver.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from bastau import create_app
from bastau.ids import MAX_ID, DatabaseId, as_id, as_ids
from bastau.models import (Application, ApplicantList, Attendance, AttendanceKey, Cohort, Decision, ListEntry, Role,
                           Status, TrainingDay, User)
from tests.conftest import PASSWORD, csrf_token, district, login, page_text, translated

HUGE = [2**31, 2**63, 10**19 + 7]  # beyond PostgreSQL INTEGER, beyond SQLite INTEGER, 20 digits
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _int_rules() -> list[tuple[str, str, tuple[str, ...]]]:
    """(rule, method, int arguments) for every rule of the app that takes an int; built once, at collection."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "collect"})
    found = []
    for rule in app.url_map.iter_rules():
        names = tuple(name for name, converter in rule._converters.items()
                      if isinstance(converter, IntegerConverter))
        if names:
            found += [(rule.rule, method, names) for method in sorted(rule.methods & set(METHODS))]
    return sorted(found)


INT_RULES = _int_rules()


def _paths(rule: str, names: tuple[str, ...], huge: int) -> list[str]:
    """The rule's path with each int argument in turn huge, the others 1."""
    paths = []
    for name in names:
        path = rule
        for other in names:
            path = path.replace(f"<int:{other}>", str(huge if other == name else 1))
        paths.append(path)
    return paths


def _role_for(app, rule: str, method: str) -> Role | None:
    endpoint = next(r.endpoint for r in app.url_map.iter_rules() if r.rule == rule and method in r.methods)
    roles = getattr(app.view_functions[endpoint], "allowed_roles", None)
    if not roles:
        return None
    return Role.NATIONAL_ADMIN if Role.NATIONAL_ADMIN in roles else roles[0]


def test_the_walk_finds_the_routes_it_must(app):
    rules = {rule for rule, _method, _names in INT_RULES}
    assert all(isinstance(converter, DatabaseId) for rule in app.url_map.iter_rules()
               for converter in rule._converters.values() if isinstance(converter, IntegerConverter))
    assert len(rules) >= 60
    assert {"/plans/mine/<int:version>", "/trainer/days/<int:day_id>/marks", "/staff/applications/<int:application_id>",
            "/yearly-plans/<int:year>/regions/<int:region_id>"} <= rules


@pytest.mark.parametrize("rule, method, names", INT_RULES, ids=[f"{m} {r}" for r, m, _n in INT_RULES])
def test_an_id_no_column_can_hold_is_not_found_for_anyone(app, make_user, rule, method, names):
    visitor = app.test_client()
    token = csrf_token(visitor, "/staff/login")
    for huge in HUGE:
        for path in _paths(rule, names, huge):
            answer = visitor.open(path, method=method, data={"csrf_token": token})
            assert answer.status_code == 404, (path, "anonymous", answer.status_code)
    role = _role_for(app, rule, method)
    if role is None:  # a public route: the visitor was all there is
        return
    staff = app.test_client()
    login(staff, make_user(role))
    token = csrf_token(staff, "/staff/password")
    for huge in HUGE:
        for path in _paths(rule, names, huge):
            answer = staff.open(path, method=method, data={"csrf_token": token})
            assert answer.status_code == 404, (path, role.value, answer.status_code)
            assert "<h1>" in page_text(answer) or method != "GET"


@pytest.mark.parametrize("rule, method, names", INT_RULES, ids=[f"{m} {r}" for r, m, _n in INT_RULES])
def test_the_largest_id_a_column_holds_is_answered_not_a_500(app, make_user, rule, method, names):
    """2^31 - 1 still matches the route: it reaches the database, which must take it (no row: 404 and the like)."""
    role = _role_for(app, rule, method)
    client = app.test_client()
    if role is not None:
        login(client, make_user(role))
    token = csrf_token(client, "/staff/password" if role else "/staff/login")
    for path in _paths(rule, names, MAX_ID):
        answer = client.open(path, method=method, data={"csrf_token": token})
        assert answer.status_code < 500, (path, answer.status_code)


@pytest.mark.parametrize("path", ["/lists/١", "/lists/-1", "/lists/+1", "/lists/1_0", "/lists/" + "9" * 5000])
def test_what_is_not_plain_digits_is_not_an_id(app, make_user, path):
    client = app.test_client()
    login(client, make_user(Role.NATIONAL_ADMIN))
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_the_not_found_page_is_in_the_persons_language(client, locale):
    client.set_cookie("lang", locale)
    answer = client.get(f"/plans/mine/{2**63}")
    assert answer.status_code == 404 and translated("Page not found", locale) in page_text(answer)


# ---- The shared helper ----

@pytest.mark.parametrize("value, expected", [
    ("1", 1), ("0", 0), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), (str(2**63), None), ("9" * 20, None),
    ("-1", None), ("+1", None), (" 1", None), ("1 ", None), ("1_0", None), ("١", None), ("", None), (None, None),
    ("1.0", None), ("0x10", None), (12, 12), (MAX_ID + 1, None), (-3, None), (True, None), (1.0, None),
    ({"id": 1}, None), ("9" * 5000, None),
])
def test_as_id_takes_only_what_can_be_a_row_id(value, expected):
    assert as_id(value) == expected


def test_as_ids_keeps_the_ids_and_drops_the_rest():
    assert as_ids(["3", str(2**31), "x", "-4", "5", "٥"]) == [3, 5]


# ---- Ids in query strings, forms and JSON bodies ----

@pytest.fixture
def staff(app, make_user):
    def signed_in(role: Role, **fields):
        client = app.test_client()
        login(client, make_user(role, **fields))
        return client
    return signed_in


@pytest.fixture
def current_list(app, make_application):
    """An applicant list of Қарасай with one confirmed applicant on it."""
    application_id = make_application(status=Status.TARGET_GROUP_CONFIRMED)
    with app.app_context():
        from bastau.extensions import db
        place = district()
        clerk = User(username="centre-clerk", full_name="Орталық Қызметкері", role=Role.CENTRE_OFFICER,
                     district_id=place.id, password_hash="x", must_change_password=False)
        db.session.add(clerk)
        db.session.flush()
        listed = ApplicantList(district_id=place.id, programme_year=db.session.get(Application, application_id)
                               .programme_year, number=1, created_by_id=clerk.id)
        listed.entries.append(ListEntry(application_id=application_id))
        db.session.add(listed)
        db.session.commit()
        return listed.id, application_id


@pytest.mark.parametrize("value", [str(2**31), str(2**63), "9" * 20, "-1", "abc", "١"])
def test_a_query_string_id_beyond_range_is_ignored(staff, current_list, value):
    list_id, _application_id = current_list
    answer = staff(Role.CHAMBER_STAFF).get(f"/lists/{list_id}/changes?from={value}")
    assert answer.status_code == 302 and answer.location.endswith(f"/lists/{list_id}")  # the first version


@pytest.mark.parametrize("query", [f"year={2**63}", f"cohort={2**31}", f"year=-1&cohort={'9' * 20}",
                                   f"page={2**63}", "page=-5", "page=abc"])
@pytest.mark.parametrize("path", ["/dashboard", "/admin/users", "/admin/test/questions", "/staff/sms/",
                                  "/chamber/tests"])
def test_numbers_in_a_query_string_never_break_a_page(app, staff, path, query):
    """Pages, years and cohort numbers out of range are read as absent: the page as first opened."""
    role = Role.CHAMBER_STAFF if path == "/chamber/tests" else Role.NATIONAL_ADMIN
    answer = staff(role).get(f"{path}?{query}")
    assert answer.status_code == 200, (path, query, answer.status_code)


@pytest.mark.parametrize("value", [str(2**31), str(2**63), "9" * 20])
def test_a_district_filter_beyond_range_finds_nobody(staff, value):
    answer = staff(Role.NATIONAL_ADMIN).get(f"/admin/users?district={value}")
    assert answer.status_code == 200


def _store_count(app, model, *conditions) -> int:
    from bastau.extensions import db
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))


@pytest.mark.parametrize("value", [str(2**31), str(2**63), "9" * 20, "-7"])
def test_ticked_ids_beyond_range_on_a_list_review_are_ignored(app, staff, current_list, value):
    list_id, _application_id = current_list
    client = staff(Role.CHAMBER_STAFF)
    token = csrf_token(client, "/staff/password")
    answer = client.post(f"/chamber/lists/{list_id}/review", data={"csrf_token": token, "entry": value,
                                                                   "action": "approve"})
    assert answer.status_code == 422
    assert _store_count(app, ListEntry, ListEntry.decision != Decision.PENDING) == 0


@pytest.mark.parametrize("field", ["application", "remove", "add"])
@pytest.mark.parametrize("value", [str(2**31), str(2**63), "9" * 20])
def test_ids_beyond_range_posted_to_the_centre_are_ignored(app, staff, current_list, field, value):
    list_id, application_id = current_list
    client = staff(Role.CENTRE_OFFICER)
    token = csrf_token(client, "/staff/password")
    for url in ("/centre/decide", f"/centre/lists/{list_id}/revise", "/centre/lists/new"):
        answer = client.post(url, data={"csrf_token": token, field: value, "action": "confirm"})
        assert answer.status_code < 500, (url, answer.status_code)
    assert _store_count(app, Application, Application.id == application_id,
                        Application.status == Status.TARGET_GROUP_CONFIRMED) == 1


@pytest.fixture
def cohort(app, make_application, make_user):
    """A cohort of Қарасай that started three days ago, with its trainer and one participant in training."""
    from bastau.clock import today
    from bastau.extensions import db
    trainer = make_user(Role.TRAINER)
    application_id = make_application(status=Status.IN_TRAINING)
    with app.app_context():
        start = today() - timedelta(days=3)
        group = Cohort(district_id=district().id, programme_year=start.year, number=1, language="kk", venue="—",
                       start_date=start, training_days=25, capacity=30, trainer_id=trainer.id,
                       created_by_id=trainer.id)
        group.days = [TrainingDay(day_number=i + 1, date=start + timedelta(days=i), module_number=i // 3 + 1)
                      for i in range(25)]
        db.session.add(group)
        db.session.flush()
        db.session.get(Application, application_id).cohort_id = group.id
        db.session.commit()
        return {"cohort_id": group.id, "day_id": group.days[0].id, "application_id": application_id,
                "trainer": trainer}


@pytest.mark.parametrize("person", [2**31, 2**63, 10**19 + 7, -1, "12", 1.5, None])
def test_marks_sent_by_the_register_for_an_id_beyond_range_are_refused_not_saved(app, client, cohort, person):
    login(client, cohort["trainer"], PASSWORD)
    token = csrf_token(client, f"/trainer/days/{cohort['day_id']}")
    answer = client.post(f"/trainer/days/{cohort['day_id']}/marks", headers={"X-CSRFToken": token},
                         json={"marks": [{"key": "k-huge-1", "person": person, "mark": "absent"}]})
    assert answer.status_code == 200
    assert "k-huge-1" in answer.get_json()["refused"]
    assert _store_count(app, Attendance) == 0 and _store_count(app, AttendanceKey) == 0


@pytest.mark.parametrize("value", [str(2**31), str(2**63), "9" * 20])
def test_a_person_beyond_range_enrolled_in_a_cohort_changes_nothing(app, staff, cohort, value):
    client = staff(Role.CHAMBER_STAFF)
    token = csrf_token(client, "/staff/password")
    for url in (f"/cohorts/{cohort['cohort_id']}/enrol", f"/cohorts/{cohort['cohort_id']}/remove"):
        answer = client.post(url, data={"csrf_token": token, "application": value})
        assert answer.status_code < 500, (url, answer.status_code)
    assert _store_count(app, Application, Application.cohort_id == cohort["cohort_id"]) == 1


@pytest.mark.parametrize("pick", [f"{2**31}-6", f"{2**63}-6", f"1-{2**63}", f"{'9' * 20}-{'9' * 20}"])
def test_follow_ups_ticked_beyond_range_are_ignored(staff, pick):
    client = staff(Role.CHAMBER_STAFF)
    token = csrf_token(client, "/staff/password")
    answer = client.post("/financing/follow-ups/not-opened", data={"csrf_token": token, "pick": pick})
    assert answer.status_code == 422


@pytest.mark.parametrize("region", [str(2**31), str(2**63), "9" * 20, "-1"])
def test_a_region_beyond_range_in_the_apply_form_offers_no_districts(client, region):
    answer = client.get(f"/apply/districts?region={region}", headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "<option" in page_text(answer)
    assert page_text(answer).count("<option") == 1  # only "—"


@pytest.mark.parametrize("value", [str(2**31), str(2**63), "9" * 20])
def test_a_staff_form_kept_after_its_page_expired_shows_no_person_for_an_id_beyond_range(app, staff, value):
    """The kept page names the people ticked, by id: an id out of range names nobody."""
    client = staff(Role.CENTRE_OFFICER)
    answer = client.post("/centre/decide", data={"csrf_token": "expired", "application": value, "action": "confirm"})
    assert answer.status_code == 400 and "<form" in page_text(answer)


@pytest.mark.parametrize("field", ["district", "region"])
@pytest.mark.parametrize("value", [str(2**31), str(2**63), "9" * 20, "-1"])
def test_an_account_for_a_district_or_region_beyond_range_is_refused(app, staff, field, value):
    client = staff(Role.NATIONAL_ADMIN)
    role = Role.TRAINER if field == "district" else Role.REGIONAL_ADMIN
    token = csrf_token(client, "/admin/users/new")
    answer = client.post("/admin/users/new", data={"csrf_token": token, "username": "new.trainer", "role": role.value,
                                                   "full_name": "Жаңа Жаттықтырушы", field: value})
    assert answer.status_code == 422
    assert _store_count(app, User, User.username == "new.trainer") == 0


@pytest.mark.parametrize("key, value", [(f"q{2**63}", "1"), ("q1", str(2**63)), (f"q{'9' * 20}", "9" * 20)])
def test_test_answers_carried_with_ids_beyond_range_are_dropped(client, key, value):
    token = csrf_token(client, "/test")
    answer = client.post("/test", data={"csrf_token": token, "code": "", "iin": "", key: value})
    assert answer.status_code < 500
    assert f'name="{key}"' not in page_text(answer)  # not carried on to the next page


@pytest.mark.parametrize("value", [str(2**31), str(2**63), "9" * 20, "abc", "-1"])
def test_commission_members_beyond_range_are_not_members(app, staff, cohort, value, make_user):
    from bastau.models import DefenceSession
    member = make_user(Role.COMMISSION, username="member-one")
    client = staff(Role.CHAMBER_STAFF)
    client.set_cookie("lang", "ru")
    url = f"/cohorts/{cohort['cohort_id']}/defence/new"
    token = csrf_token(client, url)
    answer = client.post(url, data={"csrf_token": token, "held_on": today_text(), "place": "Каскелен, акимат",
                                    "members": [str(member.id), value]})
    assert answer.status_code in (409, 422)  # one real member and one that is none: too few
    if value.isdigit():
        assert translated("Choose at least two commission members of your district.", "ru") in page_text(answer)
    assert "coerced" not in page_text(answer)  # no raw English from WTForms
    assert _store_count(app, DefenceSession) == 0


def today_text() -> str:
    from bastau.clock import today
    return (today() + timedelta(days=30)).strftime("%d.%m.%Y")
