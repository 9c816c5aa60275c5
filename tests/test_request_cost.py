"""The fixed cost of every request: no session row for a visitor who has typed nothing, one database connection
for the session and the user, no ping per checkout, the page's translations found once. (Speed itself is
measured by `make bench`, never here: these tests count what a request does, not how long it takes.)"""
from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from flask import session
from flask_babel import force_locale, gettext

from bastau import create_app
from bastau.extensions import db
from bastau.models import District, ReadEntry, Role, WebSession
from bastau.sessions import COOKIE_SALT
from tests.conftest import application_data, csrf_token, login, page_text, post_form

FIRST_VISITS = ("/", "/apply", "/status", "/certificates", "/certificates/BB-2026-000000")  # the last: a QR scan


class Counted:
    """Pool checkouts and SQL statements (pings included) of the requests made inside the block."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.checkouts = self.statements = 0

    def _checkout(self, *_args):
        self.checkouts += 1

    def _statement(self, *_args):
        self.statements += 1

    def __enter__(self):
        sa.event.listen(self.engine.pool, "checkout", self._checkout)
        sa.event.listen(self.engine, "before_cursor_execute", self._statement)
        return self

    def __exit__(self, *_exc):
        sa.event.remove(self.engine.pool, "checkout", self._checkout)
        sa.event.remove(self.engine, "before_cursor_execute", self._statement)


@pytest.mark.parametrize("path", FIRST_VISITS)
def test_a_new_visitor_looking_at_a_public_page_gets_no_session_row(app, store, path):
    client = app.test_client()
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert store.count(WebSession) == 0
    cookie = client.get_cookie("bastau_session")
    if 'name="csrf_token"' in page_text(response):  # the form's token is kept in a signed cookie instead
        assert cookie is not None and "." in cookie.value


def test_the_first_form_step_works_and_moves_the_session_to_a_row_under_a_new_key(client, app, store):
    csrf_token(client, "/apply")
    signed = client.get_cookie("bastau_session").value
    response = post_form(client, "/apply", application_data(app))
    assert response.status_code == 302 and response.location.endswith("/apply/check")
    assert store.count(WebSession) == 1
    key = client.get_cookie("bastau_session").value
    assert key != signed and "." not in key
    # The same token goes on working after the switch: the next step is not refused.
    assert post_form(client, "/apply/submit", {}, page="/apply/check").status_code == 302
    # A copy of the cookie from before the first step opens nothing of what was typed.
    before = app.test_client()
    before.set_cookie("bastau_session", signed)
    assert before.get("/apply/check").status_code == 302


def test_csrf_is_still_enforced_for_a_visitor_with_a_cookie_session(client, app, store):
    token = csrf_token(client, "/apply")
    assert client.post("/apply", data=application_data(app)).status_code == 400
    stranger = app.test_client()
    assert stranger.post("/apply", data={**application_data(app), "csrf_token": token}).status_code == 400
    assert store.count(WebSession) == 0


def test_a_signed_cookie_opens_nothing_but_the_token(app, make_application):
    """A cookie signed with another key, or one of ours carrying more than the token, opens an empty session."""
    from itsdangerous import URLSafeTimedSerializer
    opened = {"csrf_token": "x", "status_application_id": make_application()}
    for value in (URLSafeTimedSerializer("not-our-secret", salt=COOKIE_SALT).dumps(opened),
                  URLSafeTimedSerializer(app.secret_key, salt=COOKIE_SALT).dumps(opened)):
        visitor = app.test_client()
        visitor.set_cookie("bastau_session", value)
        assert visitor.get("/status/view").status_code == 302  # back to the look-up: nothing opened


def test_finish_clears_a_cookie_session_too(client):
    csrf_token(client, "/apply")
    token = csrf_token(client, "/apply")
    response = client.post("/finish", data={"csrf_token": token})
    assert response.status_code == 302 and client.get_cookie("bastau_session") is None


def test_a_signed_in_page_checks_out_one_connection_and_sends_no_ping(client, app, make_user):
    login(client, make_user(Role.CENTRE_OFFICER))
    client.get("/staff/password")  # the session's last-seen time written: the next page only reads
    with Counted(app) as counted:
        assert client.get("/staff/password").status_code == 200
    # The session row with the user in one statement, on one connection; no "SELECT 1" before it, and no second
    # look for the user (bastau/sessions.py). (SQLite's BEGIN goes to the driver itself, not counted here.)
    assert counted.checkouts == 1
    assert counted.statements == 1


def _postgresql_only(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only: SQLite's reads need their BEGIN (a snapshot for the whole page)")


def test_a_page_that_only_reads_sends_no_begin_and_no_rollback_on_postgresql(client, app, make_user):
    """One round trip a statement: the request's reads run in autocommit (bastau/database.py), so psycopg sends no
    BEGIN before the first and the pool no ROLLBACK after the last; once a request writes, it has a transaction."""
    _postgresql_only(app)
    login(client, make_user(Role.CENTRE_OFFICER))
    client.get("/staff/password")
    with app.app_context():
        engine = db.engine
    seen = []

    def status(conn, _cursor, statement, *_rest):
        seen.append((conn.connection.driver_connection.autocommit, statement.split()[0]))

    sa.event.listen(engine, "before_cursor_execute", status)
    try:
        assert client.get("/staff/password").status_code == 200
        reads = list(seen)
        seen.clear()
        assert client.get("/centre/").status_code == 200  # its reads, then the read log's entry
    finally:
        sa.event.remove(engine, "before_cursor_execute", status)
    assert reads == [(True, "SELECT")]
    first_write = next(index for index, (_auto, verb) in enumerate(seen) if verb == "INSERT")
    assert all(auto for auto, _verb in seen[:first_write]) and not any(auto for auto, _verb in seen[first_write:])


def test_a_write_outside_a_writing_transaction_is_refused_not_committed_alone(app, store):
    """A view that changes a row without database.writing() would have it kept on its own on PostgreSQL, whatever
    failed after it: it is refused instead, and the row stays as it was."""
    _postgresql_only(app)
    other = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "PLAN_STORAGE")},
                        "TESTING": False, "RATELIMIT_STORAGE_URI": "memory://"})

    @other.get("/careless")
    def careless():
        db.session.execute(sa.update(District).where(District.kato_code == "195200000").values(name_ru="изменено"))
        db.session.commit()
        return "changed"

    @other.get("/locking")
    def locking():
        db.session.execute(sa.select(District).where(District.kato_code == "195200000").with_for_update())
        return "locked"

    client = other.test_client()
    assert client.get("/careless").status_code == 500
    assert client.get("/locking").status_code == 500
    assert store.scalar(sa.select(District.name_ru).where(District.kato_code == "195200000")) != "изменено"
    with other.app_context():
        db.engine.dispose()


def test_a_logged_read_is_written_with_the_session_at_the_end_of_the_request(client, app, store, make_user):
    login(client, make_user(Role.CENTRE_OFFICER))
    with Counted(app) as counted:
        assert client.get("/centre/").status_code == 200
    assert store.count(ReadEntry) == 1
    assert counted.checkouts <= 2  # the page's reads, then one writing transaction (read log + session's time)


def test_what_a_failed_view_left_uncommitted_is_never_committed_with_the_session(app, store):
    """The session's row is written after the view, on the request's own connection: a view that changed
    something and then failed must not see that change committed along with it."""
    other = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "PLAN_STORAGE")},
                        "TESTING": False, "RATELIMIT_STORAGE_URI": "memory://"})

    @other.get("/half-done")
    def half_done():
        session["apply_draft"] = {"typed": {}}  # the session has something to write
        # (On PostgreSQL a write outside writing() is refused at once: the view fails here.)
        db.session.execute(sa.update(District).where(District.kato_code == "195200000").values(name_ru="изменено"))
        raise RuntimeError("the view failed")

    client = other.test_client()
    assert client.get("/half-done").status_code == 500
    assert store.count(WebSession) == 1
    assert store.scalar(sa.select(District.name_ru).where(District.kato_code == "195200000")) != "изменено"
    with other.app_context():
        db.engine.dispose()


def test_the_pages_translations_follow_a_forced_locale(app):
    """Translations are found once per request, yet a message in another language (an SMS, a document) is still
    in that language, and the page's own language comes back after it."""
    with app.test_request_context("/", headers={"Cookie": "lang=ru"}):
        page = gettext("Sign out")
        with force_locale("kk"):
            other = gettext("Sign out")
        assert page != other and gettext("Sign out") == page
        assert app.jinja_env.from_string("{{ _('Sign out') }}").render() == page


def test_a_connection_the_server_closed_gives_no_error_page(client, app, make_user):
    """No ping before each checkout: a connection PostgreSQL closed while it sat in the pool (a restart,
    pg_terminate_backend) is found by its socket and replaced before the request uses it."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL only: a SQLite file has no connection to lose")
    login(client, make_user(Role.CENTRE_OFFICER))
    assert client.get("/staff/password").status_code == 200
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    killer = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT",
                              poolclass=sa.NullPool)
    with killer.connect() as conn:
        assert conn.scalar(sa.text(f"SELECT count(pg_terminate_backend(pid)) {others}"))  # every pooled one
        for _ in range(100):  # gone (and their sockets say so) within a few milliseconds
            if not conn.scalar(sa.text(f"SELECT count(*) {others}")):
                break
            time.sleep(0.02)
    killer.dispose()
    assert client.get("/staff/password").status_code == 200  # still signed in: not an error, not the sign-in form


@pytest.mark.parametrize("statement, refused", [
    ("INSERT INTO read_entry (kind) VALUES (%(kind)s)", True), ("  update district set name_ru = 'x'", True),
    ("DELETE FROM web_session WHERE id = %(id)s", True), ("TRUNCATE district", True),
    ("SELECT application.id FROM application WHERE application.id = %(id)s FOR UPDATE", True),
    ("SELECT id FROM cohort FOR NO KEY UPDATE OF cohort", True), ("select id from cohort for share", True),
    ("SELECT staff_user.form_factor, application.updated_at FROM application", False),
    ("SELECT count(*) AS paging_total FROM application ORDER BY application.surname", False),
])
def test_what_counts_as_needing_a_transaction(statement, refused):
    from bastau.database import _needs_a_transaction
    assert _needs_a_transaction(statement) is refused
