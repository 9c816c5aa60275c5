"""Who may open what: one table over every staff route × every role × own/other area.

A route added without being listed in a tests/access_*.py table fails the first test.
"""
from __future__ import annotations

import importlib
import pkgutil

import pytest

import tests
from bastau.extensions import db
from bastau.models import ApplicantList, Application, ListEntry, Role, Status, User
from tests.conftest import csrf_token, district, login

PUBLIC = {"home.start", "home.finish", "home.finished", "home.session_ended", "i18n.switch", "assets.serve",
          "apply.form", "apply.districts", "apply.iin_feedback", "apply.check", "apply.submit", "apply.done",
          "status.lookup", "status.view", "staff.login", "staff.logout"}
OWN, OTHER = "195200000", "615200000"  # Қарасай (Алматы облысы), Сайрам (Түркістан облысы)
REFUSED_AREA = (403, 404)
NOT_ACCESS_ANSWERS = (401, 403, 404, 405, 500)


def _tables() -> dict:
    routes = {}
    for module in pkgutil.iter_modules(tests.__path__):
        if module.name.startswith("access_"):
            routes |= importlib.import_module(f"tests.{module.name}").ROUTES
    return routes


ROUTES = _tables()
PUBLIC |= {endpoint for module in pkgutil.iter_modules(tests.__path__) if module.name.startswith("access_")
           for endpoint in getattr(importlib.import_module(f"tests.{module.name}"), "PUBLIC", ())}


def test_every_route_is_public_or_listed_with_its_roles(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unlisted = endpoints - PUBLIC - set(ROUTES)
    assert not unlisted, f"add these routes to a tests/access_*.py table: {sorted(unlisted)}"
    for endpoint in ROUTES:
        assert endpoint in endpoints, f"{endpoint} is listed but does not exist"
        assert getattr(app.view_functions[endpoint], "allowed_roles", None), f"{endpoint} names no roles"


@pytest.fixture
def world(app, make_application):
    """The same things in two areas: an application on a current list, and a staff account."""
    ids = {}
    for area, code in (("own", OWN), ("other", OTHER)):
        application_id = make_application(code, status=Status.TARGET_GROUP_CONFIRMED)
        with app.app_context():
            place = district(code)
            region_id, district_id = place.region_id, place.id
            application = db.session.get(Application, application_id)
            clerk = User(username=f"clerk-{area}", full_name="Кеңсе Қызметкері", role=Role.OPERATOR,
                         district_id=district_id, password_hash="x", must_change_password=False)
            db.session.add(clerk)
            db.session.flush()
            listed = ApplicantList(district_id=district_id, programme_year=application.programme_year, number=1,
                                   created_by_id=clerk.id)
            listed.entries.append(ListEntry(application=application))
            db.session.add(listed)
            db.session.commit()
            ids[area] = {"application_id": application.id, "list_id": listed.id, "user_id": clerk.id,
                         "district_id": district_id, "region_id": region_id, "reference": application.reference}
    return ids


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_access_matrix(app, make_user, world, role, endpoint):
    route = ROUTES[endpoint]
    allowed = role in app.view_functions[endpoint].allowed_roles
    client = app.test_client()
    anonymous = client.open(route.url(world["own"]), method=route.method,
                            data={**route.form(world["own"]), "csrf_token": csrf_token(client, "/staff/login")})
    assert anonymous.status_code == 302 and "/staff/login" in anonymous.location, (endpoint, anonymous.status_code)
    login(client, make_user(role, OWN))
    token = csrf_token(client, "/staff/password")  # a page every staff role may open
    for area in ("own", "other"):
        response = client.open(route.url(world[area]), method=route.method, data={**route.form(world[area]), "csrf_token": token})
        code = response.status_code
        if not allowed:
            assert code == 403, (role, endpoint, area, code)
        elif area == "other" and route.area_bound and role != Role.NATIONAL_ADMIN:
            assert code in REFUSED_AREA, (role, endpoint, area, code)  # another district's or region's
        else:
            assert code not in NOT_ACCESS_ANSWERS, (role, endpoint, area, code)
