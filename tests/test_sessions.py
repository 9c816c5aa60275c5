"""Shared terminals: Finish ends the session for good, idle sessions end, nothing personal is cached."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bastau.models import WebSession, utcnow
from tests.conftest import csrf_token, login, page_text, post_form
from tests.journey import apply, look_up, receipt_details, shows


def session_cookie(client) -> str:
    return client.get_cookie("bastau_session").value


def as_terminal(client, app):
    """This browser is a shared terminal (marked by staff: the signed cookie page /terminal sets)."""
    from bastau.sessions import TERMINAL_COOKIE, terminal_cookie_value
    client.set_cookie(TERMINAL_COOKIE, terminal_cookie_value(app))
    return client


def test_finish_ends_the_session_and_an_old_cookie_opens_nothing(client, app, store):
    receipt = apply(client, app)
    reference, _code = receipt_details(receipt)
    stolen = session_cookie(client)
    response = post_form(client, "/finish", {}, page="/apply/done")
    assert response.location.endswith("/finished")
    assert client.get_cookie("bastau_session") is None
    assert store.count(WebSession) == 0
    # Someone copies the old cookie back into the browser: the receipt is gone for good.
    thief = app.test_client()
    thief.set_cookie("bastau_session", stolen)
    again = thief.get("/apply/done")
    assert again.status_code == 302 and reference not in page_text(thief.get("/"))


def test_back_after_finish_shows_nothing_personal(client, app):
    receipt = apply(client, app)
    reference, _ = receipt_details(receipt)
    assert receipt.headers["Cache-Control"] == "no-store"
    post_form(client, "/finish", {}, page="/apply/done")
    back = client.get("/apply/done", follow_redirects=True)
    assert reference not in page_text(back)


def test_finish_after_a_status_look_up_closes_it(client, receipt):
    look_up(client, receipt)
    assert client.get("/status/view").status_code == 200
    post_form(client, "/finish", {}, page="/status/view")
    assert client.get("/status/view").location.endswith("/status")


def test_an_idle_session_ends_by_itself(client, app, store):
    apply(as_terminal(client, app), app)
    store.execute(sa.update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=6)))
    response = client.get("/apply/done")
    assert response.status_code == 302
    assert store.count(WebSession) == 0


def test_an_active_session_is_kept_alive(client, app, store):
    apply(client, app)
    store.execute(sa.update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=4)))
    assert client.get("/apply/done").status_code == 200
    assert client.get("/apply/done").status_code == 200  # last_seen moved on


def test_pages_with_personal_data_clear_themselves_when_idle(client, app):
    receipt = page_text(apply(as_terminal(client, app), app))
    assert 'data-idle-seconds="300"' in receipt
    assert '<noscript><meta http-equiv="refresh" content="300;url=/session-ended">' in receipt
    ended = client.get("/session-ended")
    assert ended.status_code == 200 and client.get("/apply/done").status_code == 302


def test_the_start_page_creates_no_session(client, store):
    client.get("/")
    assert client.get_cookie("bastau_session") is None
    assert store.count(WebSession) == 0


def test_login_gets_a_new_session_key(client, make_user):
    from bastau.models import Role
    user = make_user(Role.OPERATOR)
    csrf_token(client, "/staff/login")
    before = session_cookie(client)
    login(client, user)
    assert session_cookie(client) != before
    stale = client.application.test_client()
    stale.set_cookie("bastau_session", before)
    assert stale.get("/staff/").status_code == 302  # the pre-login key is worthless


def test_logout_ends_the_staff_session_for_real(client, app, make_user):
    from bastau.models import Role
    login(client, make_user(Role.OPERATOR))
    stolen = session_cookie(client)
    assert client.get("/staff/").status_code == 200
    post_form(client, "/staff/logout", {}, page="/staff/")
    thief = app.test_client()
    thief.set_cookie("bastau_session", stolen)
    assert thief.get("/staff/").status_code == 302


def test_finish_button_is_shown_only_when_there_is_something_to_clear(client, app):
    assert "/finish" not in page_text(client.get("/"))
    assert shows(apply(client, app), "/finish")


def test_static_files_neither_read_nor_touch_the_session(client, app, store):
    apply(client, app)
    css = "/static/" + app.extensions["bastau_assets"].urls["css/app.css"]  # the page may inline it: ask for it
    seen = store.scalar(sa.select(WebSession.last_seen_at))
    store.execute(sa.update(WebSession).values(last_seen_at=seen - timedelta(minutes=2)))
    response = client.get(css)
    assert "Set-Cookie" not in response.headers
    assert store.scalar(sa.select(WebSession.last_seen_at)) == seen - timedelta(minutes=2)


@pytest.mark.parametrize("data, terminal, minutes", [
    ({}, True, 5),                            # an applicant at a shared terminal
    ({"apply_draft": {}}, True, 5),
    ({"apply_draft": {}}, False, 45),         # on their own phone or computer
    ({"test_sitting_id": 7}, True, 40),       # in the middle of the entrepreneurship test
    ({"test_sitting_id": 7}, False, 45),
    ({"_user_id": "3"}, True, 20),            # staff
    ({"_user_id": "3"}, False, 20),
])
def test_idle_limits(app, data, terminal, minutes):
    from bastau.sessions import idle_minutes
    assert idle_minutes(app.config, data, terminal) == minutes
