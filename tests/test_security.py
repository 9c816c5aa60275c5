"""Security headers on every kind of response, CSRF on every state-changing route, rate limits per address."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa

from bastau import create_app
from bastau.config import ROOT
from bastau.models import Role, Status
from bastau.security import CSP
from tests import access_plans
from tests.conftest import PEOPLE_TABLES, csrf_token, login, page_text, post_form, translated
from tests.journey import shows
from tests.test_access import OWN, ROUTES, world  # noqa: F401  (world is a fixture)

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
TOO_MANY = "For safety, this is paused for a few minutes. Please wait and try again."


def _state_changing_rules() -> list[tuple[str, str]]:
    """(endpoint, method) of every rule that changes something, read from the app's own URL map."""
    probe = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "url-map-only"})
    return sorted({(rule.endpoint, method) for rule in probe.url_map.iter_rules()
                   for method in rule.methods & STATE_CHANGING})


WRITES = _state_changing_rules()


# ---- Headers ----

def _policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_secure_headers(response, what: str) -> None:
    headers = response.headers
    csp = _policy(headers.get("Content-Security-Policy", ""))
    # 'self' and the hash of the inlined loader (bastau/assets.py; tests/test_first_visit.py checks the hashes)
    assert csp.get("script-src", [""])[0] == "'self'", (what, csp)
    assert all(v.startswith("'sha256-") for v in csp["script-src"][1:] + csp["style-src"][1:]), (what, csp)
    assert csp.get("object-src") == ["'none'"] and csp.get("frame-ancestors") == ["'none'"], what
    assert csp.get("base-uri") in (["'none'"], ["'self'"]) and csp.get("form-action") == ["'self'"], what
    assert csp.get("default-src") == ["'self'"], what
    assert not any(value in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:")
                   for name, values in csp.items() if name != "img-src" for value in values), (what, csp)
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("X-Frame-Options") == "DENY", what
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), what
    permissions = {p.strip() for p in headers.get("Permissions-Policy", "").split(",")}
    assert {"camera=()", "microphone=()", "geolocation=()", "payment=()"} <= permissions, (what, permissions)
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin", what


def test_the_policy_is_strict():
    policy = _policy(CSP.format(scripts="", styles=""))  # plus the inlined files' hashes (bastau/assets.py)
    assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
    assert "'unsafe-inline'" not in CSP and "'unsafe-eval'" not in CSP


def test_security_headers_on_every_kind_of_response(app, client, make_user, make_application):
    page = client.get("/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    responses = {"page": page, "404": client.get("/no-such-page")}
    fragment = client.get("/apply/districts?region=1", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in page_text(fragment)
    responses["htmx fragment"] = fragment
    asset = re.search(r'(?:src|href)="(/static/[^"]+\.js)"', page_text(page)).group(1)
    responses["static asset"] = client.get(asset)
    assert responses["static asset"].status_code == 200

    officer = app.test_client()
    login(officer, make_user(Role.CENTRE_OFFICER))
    responses["403"] = officer.get("/admin/users")
    assert responses["403"].status_code == 403
    application_id = make_application(status=Status.TARGET_GROUP_CONFIRMED)
    sent = post_form(officer, "/centre/lists/new", {"application": [str(application_id)]})
    list_url = sent.location.split("?")[0]
    for kind in ("csv", "xlsx"):
        download = officer.get(f"{list_url}.{kind}")
        assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
        responses[f"{kind} download"] = download

    app.config["LOGIN_LIMIT"] = "1 per minute"
    try:
        limited = app.test_client()
        post_form(limited, "/staff/login", {"login": "x", "password": "y"})
        responses["429"] = post_form(limited, "/staff/login", {"login": "x", "password": "y"})
    finally:
        app.config["LOGIN_LIMIT"] = "1000 per minute"
    assert responses["429"].status_code == 429
    for what, response in responses.items():
        assert_secure_headers(response, what)


class _InlineCode(HTMLParser):
    """Finds what a strict CSP blocks: inline <script> bodies, on* handlers, style attributes, <style>."""

    def __init__(self):
        super().__init__()
        self.problems, self._in_script = [], False

    def handle_starttag(self, tag, attrs):
        names = {name.lower() for name, _value in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("<script> without src")
        if tag == "style":
            self.problems.append("<style>")
        self.problems += [f"{name}= on <{tag}>" for name in names if name.startswith("on") or name == "style"]
        if tag == "a" and any((value or "").strip().lower().startswith("javascript:") for _n, value in attrs):
            self.problems.append("javascript: link")


def test_no_template_has_inline_script_handlers_or_styles():
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert len(templates) > 30
    problems = {}
    for path in templates:
        # Jinja blocks are not HTML: blank them so that attributes built by Jinja are still seen as attributes.
        # The one inlined script is allowed by its hash (bastau/assets.py inline_asset, tests/test_first_visit.py).
        text = re.sub(r"<script>{{ inline_asset\('[^']+'\) }}</script>", "", path.read_text())
        text = re.sub(r"{[{%#].*?[}%#]}", " x ", text, flags=re.S)
        parser = _InlineCode()
        parser.feed(text)
        if parser.problems:
            problems[str(Path(path).relative_to(ROOT))] = parser.problems
    assert not problems


def test_the_inline_code_finder_finds_what_it_must():
    parser = _InlineCode()
    parser.feed('<script>alert(1)</script><button onclick="x()" style="color:red"><a href="javascript:x()">')
    assert len(parser.problems) == 4


# ---- CSRF ----

def test_csrf_protection_is_on_in_the_tested_app(app):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True and app.config.get("WTF_CSRF_CHECK_DEFAULT", True)
    assert len(WRITES) >= 40  # the URL map was read, not an empty list


def _people_counts(store) -> dict[str, int]:
    return {table: store.scalar(sa.text(f"SELECT count(*) FROM {table}")) for table in PEOPLE_TABLES}


def _as_participant(client, world) -> None:  # noqa: F811
    """The session a participant has after the status look-up (the plan upload needs it)."""
    application_id = access_plans._participant(world["own"])
    with client.session_transaction() as session:
        session["status_application_id"] = application_id


def _as_applicant(client, world) -> None:  # noqa: F811
    """The session an applicant has after the status look-up (withdrawal needs it)."""
    with client.session_transaction() as session:
        session["status_application_id"] = world["own"]["application_id"]


VISITOR_SETUP = {"plans.upload": _as_participant, "status.withdraw": _as_applicant,
                 "status.sms": _as_applicant, "status.withdraw_consent": _as_applicant}
FORM_DATA = {"potential.question_active": {"active": "1"}}  # reach the route; "1" keeps the shared bank as it is


def _caller(app, make_user, world, endpoint: str):  # noqa: F811  (world is the fixture's value)
    """A client that may use the route (signed in with a role it names) and the route's URL and form data."""
    client = app.test_client()
    route = ROUTES.get(endpoint)
    if route is None:  # a public route: its URL has no parts to fill in
        rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == endpoint)
        assert not rule.arguments, f"{endpoint}: add it to a tests/access_*.py table with a URL"
        client.get("/")
        VISITOR_SETUP.get(endpoint, lambda *_: None)(client, world)
        return client, rule.rule, FORM_DATA.get(endpoint, {})
    role = app.view_functions[endpoint].allowed_roles[0]
    login(client, make_user(role, OWN, username=f"csrf-{role.value}"))
    # The URL after sign-in: some builders give the area's cohort to the signed-in trainer.
    return client, route.url(world["own"]), {**route.form(world["own"]), **FORM_DATA.get(endpoint, {})}


@pytest.mark.parametrize(("endpoint", "method"), WRITES)
def test_every_state_changing_route_refuses_a_missing_or_foreign_csrf_token(app, store, make_user, world,  # noqa: F811
                                                                            endpoint, method):
    client, url, data = _caller(app, make_user, world, endpoint)
    own_token = csrf_token(client, "/staff/password" if endpoint in ROUTES else "/apply")
    stranger = app.test_client()
    foreign_token = csrf_token(stranger, "/apply")
    before = _people_counts(store)

    missing = client.open(url, method=method, data=data)
    assert missing.status_code == 400, (endpoint, missing.status_code)
    foreign = client.open(url, method=method, data={**data, "csrf_token": foreign_token})
    assert foreign.status_code == 400, (endpoint, foreign.status_code)
    assert _people_counts(store) == before, endpoint

    # The same request with the page's own token is not refused as a forgery: the 400s above were CSRF.
    assert client.open(url, method=method, data={**data, "csrf_token": own_token}).status_code != 400, endpoint


def test_a_forged_sign_out_leaves_the_session(app, make_user):
    client = app.test_client()
    login(client, make_user(Role.CENTRE_OFFICER))
    assert client.post("/staff/logout").status_code == 400
    assert client.get("/staff/").status_code == 200  # still signed in


# ---- Rate limits ----

def _limited_forms(receipt) -> dict[str, tuple[str, dict]]:
    """Each rate-limited form: its limit's config key -> (its URL, one wrong attempt)."""
    return {
        "LOGIN_LIMIT": ("/staff/login", {"login": "nobody", "password": "wrong"}),
        "STATUS_LOOKUP_LIMIT": ("/status", dict(receipt, access_code="1111 1111")),
        "CERTIFICATE_LOOKUP_LIMIT": ("/certificates", {"number": "BB26-AAAAAAAAAA"}),
        "TEST_CODE_LIMIT": ("/test", {"code": "000000", "iin": receipt["iin"]}),
    }


@pytest.mark.parametrize("limit", ["LOGIN_LIMIT", "STATUS_LOOKUP_LIMIT", "CERTIFICATE_LOOKUP_LIMIT",
                                   "TEST_CODE_LIMIT"])
@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_rate_limits_answer_429_in_the_users_language_per_client_address(app, receipt, monkeypatch, limit, locale):
    url, attempt = _limited_forms(receipt)[limit]
    monkeypatch.setitem(app.config, limit, "3 per minute")
    here = app.test_client()
    here.set_cookie("lang", locale)
    address = {"REMOTE_ADDR": "10.1.0.1"}
    codes = [post_form(here, url, attempt, environ_base=address).status_code for _ in range(3)]
    assert 429 not in codes, codes
    blocked = post_form(here, url, attempt, environ_base=address)
    assert blocked.status_code == 429
    assert shows(blocked, translated(TOO_MANY, locale)) and shows(blocked, translated("Too many attempts", locale))
    assert f'lang="{locale}"' in page_text(blocked)

    elsewhere = app.test_client()  # another terminal, another address: not blocked
    assert post_form(elsewhere, url, attempt, environ_base={"REMOTE_ADDR": "10.1.0.2"}).status_code != 429
