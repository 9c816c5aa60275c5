"""Nothing typed is lost: an expired page or sign-in keeps the posted values, and every error page (500s inside a
transaction and htmx requests too) is the localised one."""
from __future__ import annotations

import re
import urllib.request
from urllib.error import HTTPError

import pytest
import sqlalchemy as sa

from bastau.extensions import db
from bastau.models import Application, AuditEntry, Role, Status, WebSession
from tests.conftest import PASSWORD, csrf_token, login, page_text, post_form, translated


@pytest.fixture
def officer(app, make_user):
    client = app.test_client()
    user = make_user(Role.CENTRE_OFFICER)
    login(client, user)
    return client, user


def _broken_revision(*_args, **_kwargs):
    from bastau.database import writing
    with writing():
        db.session.execute(sa.text("UPDATE applicant_list SET number = number"))
        raise RuntimeError("a bug half-way through a transaction")


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_a_500_on_a_staff_route_is_the_localised_page(app, officer, make_application, monkeypatch, locale):
    client, _user = officer
    client.set_cookie("lang", locale)
    listed = make_application(status=Status.TARGET_GROUP_CONFIRMED)
    post_form(client, "/centre/lists/new", {"application": str(listed)})
    list_id = db_list_id(app)
    monkeypatch.setattr("bastau.lists.services.revise_list", _broken_revision)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production
    response = post_form(client, f"/centre/lists/{list_id}/revise", {"note": "x"})
    assert response.status_code == 500
    body = page_text(response)
    assert f'<html lang="{locale}">' in body
    assert f"<h1>{translated('Something went wrong on our side', locale)}</h1>" in body
    assert "Internal Server Error" not in body
    # Inside htmx: the message alone, for the page to show in place.
    token = csrf_token(client, f"/centre/lists/{list_id}/revise")
    fragment = client.post(f"/centre/lists/{list_id}/revise", data={"csrf_token": token, "note": "x"},
                           headers={"HX-Request": "true"})
    assert fragment.status_code == 500 and "<html" not in page_text(fragment)
    assert 'role="alert"' in page_text(fragment)
    assert translated("Something went wrong on our side", locale) in page_text(fragment)


def db_list_id(app) -> int:
    from bastau.models import ApplicantList
    with app.app_context():
        return db.session.scalar(sa.select(ApplicantList.id).order_by(ApplicantList.id.desc()))


def test_a_500_through_a_real_server_is_not_the_raw_english_page(app, live_server, monkeypatch):
    """The live server runs the app as the browser tests do (exceptions propagate there): it used to write
    Werkzeug's own English page."""
    def broken(*_args, **_kwargs):
        raise RuntimeError("the view failed")
    monkeypatch.setitem(app.view_functions, "training.upcoming", broken)
    request = urllib.request.Request(live_server + "/training", headers={"Cookie": "lang=ru"})
    with pytest.raises(HTTPError) as answer:
        urllib.request.urlopen(request)
    body = answer.value.read().decode()
    assert answer.value.code == 500 and "Internal Server Error" not in body
    assert translated("Something went wrong on our side", "ru") in body


@pytest.mark.parametrize("method, url, code", [("GET", "/centre/decide", 405), ("GET", "/lists/999999", 404),
                                               ("GET", "/admin/users", 403)])
def test_every_error_is_the_localised_page(officer, method, url, code):
    client, _user = officer
    client.set_cookie("lang", "ru")
    response = client.open(url, method=method)
    assert response.status_code == code
    assert '<html lang="ru">' in page_text(response) and "<h1>" in page_text(response)


def _ticked_rejection(client, ids, token):
    return client.post("/centre/decide", data={"application": [str(i) for i in ids], "action": "reject",
                                               "reason": "employed", "note": "Жұмыс істейді",
                                               "csrf_token": token})


def test_an_expired_page_keeps_what_was_posted_until_it_is_sent_again(app, officer, make_application, store):
    client, _user = officer
    ids = [make_application(surname="Әлиева"), make_application(surname="Бекова"), make_application(surname="Үшінші")]
    kept = _ticked_rejection(client, ids[:2], "a-token-from-a-page-open-too-long")
    assert kept.status_code == 400  # refused as a forgery would be; but with what was posted, ready to send again
    assert store.scalar(sa.select(sa.func.count()).select_from(Application)
                        .where(Application.status != Status.SUBMITTED)) == 0  # nothing done by itself
    body = page_text(kept)
    key = re.search(r'name="_kept" value="([^"]+)"', body).group(1)
    assert page_text(client.get(f"/kept/{key}")).count("Әлиева Дана") == 1  # the same page at its own address
    assert translated("Your page was open too long, so nothing was saved yet. Check what you entered and press the "
                      "button again.", "kk") in body
    values = re.search(r'id="kept-values">(.*?)</dl>', body, re.S).group(1)
    assert "Әлиева Дана" in values and "Бекова Дана" in values and "Үшінші" not in values
    assert translated("Has a job (not unemployed or self-employed)", "kk") in values and "Жұмыс істейді" in values
    # One press sends it again, with a fresh token.
    form = re.search(r'<form method="post" action="([^"]+)" class="stack" id="kept-form">(.*?)</form>', body, re.S)
    assert form.group(1) == "/centre/decide"
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2))
    data: dict = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    sent = client.post("/centre/decide", data=data)
    assert sent.status_code == 302
    assert store.count(AuditEntry, AuditEntry.action == "target_group_rejected") == 2
    assert "kept-values" not in page_text(client.get(f"/kept/{key}"))  # sent: kept no longer


def test_an_expired_sign_in_keeps_the_form_across_signing_in_again(app, officer, make_application, store):
    client, user = officer
    ids = [make_application(surname="Күткен")]
    token = csrf_token(client, "/centre/")
    store.execute(sa.delete(WebSession))  # the sign-in ran out while the page was open
    response = _ticked_rejection(client, ids, token)
    assert response.status_code == 303 and response.location.startswith("/staff/login?next=/kept/")
    login_page = client.get(response.location)
    assert translated("Your sign-in ran out. Sign in again: what you entered is kept and shown to you to send "
                      "again.", "kk") in page_text(login_page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page_text(login_page)).group(1)
    signed_in = client.post(response.location, data={"login": user.username, "password": PASSWORD,
                                                     "csrf_token": token})
    assert signed_in.status_code == 302 and signed_in.location.startswith("/kept/")
    kept = page_text(client.get(signed_in.location))
    assert "Күткен Дана" in kept and "Жұмыс істейді" in kept
    assert store.scalar(sa.select(Application.status)) == Status.SUBMITTED  # never resent silently


def test_kept_values_are_not_shown_to_someone_else(app, officer, make_application, make_user):
    client, _user = officer
    response = _ticked_rejection(client, [make_application(surname="Жасырын")], "stale")
    key = re.search(r'name="_kept" value="([^"]+)"', page_text(response)).group(1)
    other = make_user(Role.CENTRE_OFFICER, username="another-officer")
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/centre/")})
    login(client, other)
    assert "Жасырын" not in page_text(client.get(f"/kept/{key}"))


def test_an_expired_htmx_form_goes_to_the_kept_page(officer, make_application):
    client, _user = officer
    answer = client.post("/centre/decide", data={"application": str(make_application()), "action": "confirm",
                                                 "csrf_token": "stale"}, headers={"HX-Request": "true"})
    assert answer.status_code == 400 and answer.headers["HX-Redirect"].startswith("/kept/")
    assert "kept-values" in page_text(client.get(answer.headers["HX-Redirect"]))
