"""Fixtures: one migrated database per run (SQLite file, or PostgreSQL with BASTAU_TEST_DB=postgresql),
emptied of people after each test; the reference data is loaded once, as `make run` does."""
from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext, ngettext
from flask_migrate import upgrade

from bastau import create_app, rules
from bastau.audit import purge_for_tests
from bastau.read_log import purge_for_tests as purge_read_log_for_tests
from bastau.clock import today
from bastau.extensions import db, limiter
from bastau.models import District, Role, User
from bastau.reference import load_all

pytest_plugins = ["tests.journey"]  # the `receipt` fixture
PEOPLE_TABLES = ("audit_entry", "web_session", "attendance_key", "attendance", "expulsion_review", "list_entry", "applicant_list",
                 "test_sitting", "business_follow_up", "loan_referral", "revoked_certificate",
                 "defence_reopening", "certificate", "defence_result",
                 "defence_score", "defence_member", "defence_session", "business_plan", "notice", "sms_message", "consent_withdrawal",
                 "job_run", "dashboard_tally", "application", "training_day",
                 "cohort", "national_plan", "region_plan", "district_plan", "staff_user")
PASSWORD = "correct horse 42"


def _database_url(tmp: Path) -> str:
    if os.environ.get("BASTAU_TEST_DB") == "postgresql":
        url = os.environ.get("TEST_DATABASE_URL")
        if not url:
            pytest.exit("BASTAU_TEST_DB=postgresql needs TEST_DATABASE_URL", returncode=2)
        return url
    return f"sqlite:///{tmp / 'test.sqlite'}"


@pytest.fixture(scope="session")
def app():
    tmp = Path(tempfile.mkdtemp(prefix="bastau-test-"))
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp),
        "SECRET_KEY": "test-secret",
        "RATELIMIT_STORAGE_URI": "memory://",
        "STATUS_LOOKUP_LIMIT": "1000 per minute",
        "LOGIN_LIMIT": "1000 per minute",
        "SUBMIT_LIMIT": "1000 per minute",
        "DUPLICATE_CHECK_LIMIT": "1000 per minute",  # tests/test_iin_probing.py sets its own
        "DUPLICATE_CHECK_OPERATOR_LIMIT": "1000 per minute",
        "DUPLICATE_CHECK_IIN_LIMIT": "1000 per minute",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast for tests; production uses scrypt
        "PLAN_STORAGE": str(tmp / "plans"),
    })
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        upgrade()  # the schema comes from the migrations, as in production
        load_all()
        db.session.remove()
    _APP[:] = [app]
    yield app


_APP: list = []


@pytest.fixture(autouse=True)
def _clean(request):
    """Every test starts with no people in the database and fresh rate limits."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            purge_for_tests(conn)
            purge_read_log_for_tests(conn)
            for table in PEOPLE_TABLES[1:]:
                conn.execute(sa.text(f"DELETE FROM {table}"))
        limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


class Store:
    """Read and change the database from a test, each call in its own app context, as another
    process would: the test sees exactly what the requests committed."""

    def __init__(self, app):
        self.app = app

    def scalar(self, statement):
        with self.app.app_context():
            value = db.session.scalar(statement)
            db.session.expunge_all()
            return value

    def scalars(self, statement) -> list:
        with self.app.app_context():
            values = db.session.scalars(statement).all()
            db.session.expunge_all()
            return values

    def execute(self, statement) -> None:
        with self.app.app_context():
            db.session.execute(statement)
            db.session.commit()

    def count(self, model, *conditions) -> int:
        return self.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))


@pytest.fixture
def store(app) -> Store:
    return Store(app)


def district(code: str = "195200000") -> District:
    """A district by KATO code (call inside an app context)."""
    return db.session.scalar(sa.select(District).where(District.kato_code == code))


@pytest.fixture
def make_user(app):
    def make(role: Role, district_code: str = "195200000", username: str | None = None, **fields) -> User:
        with app.app_context():
            place = district(district_code)
            user = User(username=username or f"{role.value}-{district_code}", full_name="Тест Қызметкер", role=role,
                        district_id=None if role in (Role.REGIONAL_ADMIN, Role.NATIONAL_ADMIN) else place.id,
                        region_id=place.region_id if role == Role.REGIONAL_ADMIN else None,
                        must_change_password=False, **fields)
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user
    return make


TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    found = TOKEN_RE.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def post_form(client, url: str, data: dict, page: str | None = None, **kwargs):
    """Post like a browser: take the CSRF token from the page that shows the form."""
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page or url)}, **kwargs)


def login(client, user: User, password: str = PASSWORD):
    response = post_form(client, "/staff/login", {"login": user.username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


_serial = iter(range(1000, 99999))
_issued: set[str] = set()


def new_iin(born: date | None = None, sex: str = "female") -> str:
    """A valid IIN no test has used yet (compose_iin may skip a serial onto the next one)."""
    born = born or date(1990, 5, 17)
    while (iin := rules.compose_iin(born, sex, next(_serial))) in _issued:
        pass
    _issued.add(iin)
    return iin


def adult_birth_date(years: int = 30) -> date:
    day = today()
    return day.replace(year=day.year - years)


def application_data(app, **overrides) -> dict:
    with app.app_context():
        place = district()
        data = {
            "iin": new_iin(), "surname": "Сәрсенбаева", "first_name": "Әйгерім", "patronymic": "Қанатқызы",
            "phone": "+7 701 234 56 78", "region": str(place.region_id), "district": str(place.id),
            "social_status": "unemployed", "education": "secondary", "business_idea": "Ауылда тігін цехын ашу",
            "channel": "akimat", "consent": "y",
        }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def translated(message: str, locale: str, **params) -> str:
    """The text a user of `locale` sees for a message; it must really be translated."""
    with _APP[0].app_context(), force_locale(locale):
        text = gettext(message, **params)
    assert text != (message % params if params else message), f"no {locale} translation for {message!r}"
    return text


def translated_plural(singular: str, plural: str, num: int, locale: str) -> str:
    """A count message (ngettext) as a user of `locale` sees it for `num`; it must be translated."""
    with _APP[0].app_context(), force_locale(locale):
        text = ngettext(singular, plural, num)
    assert text not in (singular % {"num": num}, plural % {"num": num}), f"no {locale} translation for {plural!r}"
    return text


def page_text(response) -> str:
    return response.get_data(as_text=True)


# ---- Browser tests: Debian's Chromium driven by Playwright, against a live server. ----

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
NO_CHROMIUM = f"""
##########################################################################
#  BROWSER TESTS SKIPPED: {CHROMIUM} not found.                      #
#  Install it with `apt-get install -y chromium` (.ci/run does this).    #
##########################################################################"""


def pytest_collection_modifyitems(config, items):
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not installed")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    if not os.path.exists(CHROMIUM) and any("browser" in getattr(r, "keywords", {})
                                            for r in terminalreporter.stats.get("skipped", [])):
        terminalreporter.write_line(NO_CHROMIUM, red=True, bold=True)


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def live_server(app):
    """The test app served on a free local port, in a thread."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def make_application(app):
    """An application stored directly (no HTTP), for tests about what staff do with many of them."""
    from datetime import datetime

    from bastau.apply.services import new_submission_key
    from bastau.models import Application, Status

    def make(district_code: str = "195200000", status=Status.SUBMITTED, surname: str = "Әбенова",
             first_name: str = "Дана", channel: str = "akimat", social_status: str = "unemployed",
             created_at: datetime | None = None, iin: str | None = None, **fields) -> int:
        with app.app_context():
            place = district(district_code)
            iin = iin or new_iin()
            facts = rules.parse_iin(iin)
            application = Application(
                programme_year=today().year, iin=iin, surname=surname, first_name=first_name, patronymic=None,
                birth_date=facts.birth_date, sex=facts.sex, phone="+77011234567", district_id=place.id,
                social_status=social_status, education="secondary", channel=channel, status=status,
                access_code_hash="-", submission_key=new_submission_key(), consent_version="2026-1",
                consent_language="kk", consent_at=datetime(2026, 4, 1), **{"language": "kk", **fields})
            if created_at:
                application.created_at = created_at
            db.session.add(application)
            db.session.commit()
            return application.id
    return make


def htmx_ready(page, selector: str = "[hx-post], [hx-get]") -> None:
    """htmx arrives after the page is usable (bastau/assets.py): wait until it has taken over the page's forms, or a
    click made before would be a plain submit, as it is for a phone that has not loaded htmx yet."""
    page.wait_for_function(
        "s => !!window.htmx && [...document.querySelectorAll(s)].every(e => e['htmx-internal-data'])", arg=selector)


def browser_sign_in(browser, live_server, user, locale: str = "kk", viewport: dict | None = None,
                    javascript: bool = True):
    """A new Chromium context signed in as `user`, with the page language set; returns (context, page)."""
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 800}, java_script_enabled=javascript)
    context.add_cookies([{"name": "lang", "value": locale, "url": live_server}])
    page = context.new_page()
    page.goto(live_server + "/staff/login")
    page.fill("#login", user.username)
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main button")
    page.wait_for_load_state()
    assert "/staff/login" not in page.url, "sign-in failed"
    return context, page


@contextmanager
def sql_sent(app):
    """Every SQL statement the app sends while the block runs, as (statement, parameters)."""
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
