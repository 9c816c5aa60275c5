"""No typed work lost, no irreversible slip: shared terminals and personal devices, the idle warning, the status
look-up between two people, rate limits that do not lock a village out, a language switch that keeps everything,
and the staff idle end that leads back to the same page."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bastau.models import Application, Channel, Role, WebSession, utcnow
from bastau.sessions import TERMINAL_COOKIE, terminal_cookie_value
from tests.conftest import (
    application_data,
    csrf_token,
    login,
    new_iin,
    page_text,
    post_form,
    translated,
)
from tests.journey import apply, fill_in, look_up, shows


def as_terminal(client, app):
    client.set_cookie(TERMINAL_COOKIE, terminal_cookie_value(app))
    return client


def idle_seconds(response) -> int:
    found = re.search(r'data-idle-seconds="(\d+)"', page_text(response))
    return int(found.group(1)) if found else 0


def noscript_refresh(response) -> bool:
    return '<noscript><meta http-equiv="refresh"' in page_text(response)


# ---- 1. Terminal or personal device ----

def test_on_a_personal_phone_the_idle_limit_is_long_and_no_refresh_wipes_the_page(client, app, store):
    receipt = apply(client, app)
    assert idle_seconds(receipt) == 45 * 60
    assert not noscript_refresh(receipt)
    store.execute(sa.update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=20)))
    assert client.get("/apply/done").status_code == 200  # twenty minutes to find the ID card: still there
    store.execute(sa.update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=46)))
    assert client.get("/apply/done").status_code == 302


def test_at_a_terminal_the_short_limit_holds_and_works_without_javascript(client, app, store):
    receipt = apply(as_terminal(client, app), app)
    assert idle_seconds(receipt) == 300
    assert '<noscript><meta http-equiv="refresh" content="300;url=/session-ended">' in page_text(receipt)
    store.execute(sa.update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=6)))
    assert client.get("/apply/done").status_code == 302


def test_staff_mark_a_browser_as_a_terminal_and_remove_the_mark(client, app, make_user):
    login(client, make_user(Role.OPERATOR))
    page = client.get("/terminal")
    assert page.status_code == 200 and 'id="mark-terminal"' in page_text(page)
    marked = post_form(client, "/terminal", {"mark": "on"})
    assert marked.status_code == 302
    cookie = client.get_cookie(TERMINAL_COOKIE)
    assert cookie is not None and cookie.expires is not None  # long-lived: it outlives the sign-in
    post_form(client, "/staff/logout", {}, page="/staff/")
    assert client.get_cookie(TERMINAL_COOKIE) is not None
    assert idle_seconds(apply(client, app)) == 300  # the next citizen at this browser: terminal limits

    login(client, make_user(Role.CHAMBER_STAFF))
    assert 'id="unmark-terminal"' in page_text(client.get("/terminal"))
    post_form(client, "/terminal", {"mark": "off"})
    assert client.get_cookie(TERMINAL_COOKIE) is None


def test_only_signed_in_office_staff_may_mark_a_terminal(client, app, make_user):
    assert client.get("/terminal").status_code == 302  # to the sign-in
    login(client, make_user(Role.TRAINER))
    assert client.get("/terminal").status_code == 403


def test_a_home_made_terminal_cookie_is_not_a_terminal(client, app):
    client.set_cookie(TERMINAL_COOKIE, "terminal")
    assert idle_seconds(apply(client, app)) == 45 * 60


def test_terminal_addresses_from_the_configuration(app, monkeypatch):
    monkeypatch.setitem(app.config, "TERMINAL_ADDRESSES", "10.9.0.0/24, 192.0.2.7")
    inside, outside = app.test_client(), app.test_client()
    here = {"REMOTE_ADDR": "10.9.0.12"}
    post_form(inside, "/apply", application_data(app), environ_base=here)
    assert idle_seconds(inside.get("/apply/check", environ_base=here)) == 300
    post_form(outside, "/apply", application_data(app), environ_base={"REMOTE_ADDR": "10.8.0.12"})
    assert idle_seconds(outside.get("/apply/check", environ_base={"REMOTE_ADDR": "10.8.0.12"})) == 45 * 60


# ---- The warning and the keep-alive ----

def test_an_idle_page_warns_first_with_a_button_to_go_on(client, app):
    receipt = page_text(apply(as_terminal(client, app), app))
    assert re.search(r'<div id="idle-warning"[^>]*role="alertdialog"[^>]*aria-modal="true"', receipt)
    assert 'aria-labelledby="idle-warning-title"' in receipt and 'id="idle-continue"' in receipt
    assert 'data-idle-warning-seconds="60"' in receipt and 'data-keepalive-url="/session/keep-alive"' in receipt
    assert translated("Are you still there?", "kk") in receipt


def test_keep_alive_starts_the_session_clock_again(client, app, store):
    apply(as_terminal(client, app), app)
    store.execute(sa.update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=4)))
    token = re.search(r'data-keepalive-token="([^"]+)"', page_text(client.get("/apply/done"))).group(1)
    store.execute(sa.update(WebSession).values(last_seen_at=utcnow() - timedelta(minutes=4, seconds=50)))
    assert client.post("/session/keep-alive", headers={"X-CSRFToken": token}).status_code == 204
    seen = store.scalar(sa.select(WebSession.last_seen_at))
    assert utcnow() - seen.replace(tzinfo=utcnow().tzinfo) < timedelta(seconds=5)
    store.execute(sa.update(WebSession).values(last_seen_at=seen - timedelta(minutes=3)))
    assert client.get("/apply/done").status_code == 200  # 3 minutes since "I am here": still open


def test_keep_alive_is_a_post_with_a_token(client, app):
    apply(client, app)
    assert client.get("/session/keep-alive").status_code == 405
    assert client.post("/session/keep-alive").status_code == 400  # no CSRF token


# ---- 2. A form never sent is cleared too, on a terminal ----

@pytest.mark.parametrize("url", ["/status", "/apply", "/status/code"])
def test_a_terminal_clears_a_typed_form_even_before_a_session_holds_anything(client, app, url):
    page = client.get(url)
    assert 'data-terminal-idle-seconds="0"' not in page_text(page) and idle_seconds(page) == 0
    page = as_terminal(app.test_client(), app).get(url)
    assert 'data-terminal-idle-seconds="300"' in page_text(page)
    assert 'data-idle-url="/session-ended"' in page_text(page)


def test_without_javascript_a_terminal_session_ends_but_a_form_being_typed_is_not_wiped(client, app):
    assert not noscript_refresh(as_terminal(client, app).get("/apply"))  # it cannot tell typing from idling
    post_form(client, "/apply", application_data(app))
    check = client.get("/apply/check")  # now the session holds the person's data: it ends by itself
    assert '<noscript><meta http-equiv="refresh" content="300;url=/session-ended">' in page_text(check)
    other = app.test_client()
    post_form(other, "/apply", application_data(app))
    assert not noscript_refresh(other.get("/apply/check"))  # a personal phone: never


# ---- 3. A new look-up ends the previous person's session ----

def test_a_failed_look_up_by_the_next_person_closes_the_previous_persons_pages(client, app, receipt):
    assert look_up(client, receipt).status_code == 302
    assert client.get("/status/view").status_code == 200
    before = client.get_cookie("bastau_session").value
    wrong = look_up(client, dict(receipt, iin="900101300001", access_code="1111 1111"))
    assert wrong.status_code in (404, 422)
    assert client.get("/status/view").location.endswith("/status")
    assert client.get("/status/results").location.endswith("/status")
    assert client.get("/plans/mine/1").status_code == 404
    assert client.get_cookie("bastau_session").value != before  # a new key: the old cookie opens nothing
    thief = app.test_client()
    thief.set_cookie("bastau_session", before)
    assert thief.get("/status/view").status_code == 302


def test_even_an_empty_look_up_closes_the_previous_persons_pages(client, receipt):
    look_up(client, receipt)
    assert look_up(client, {"reference": "", "iin": "", "access_code": ""}).status_code == 422
    assert client.get("/status/view").status_code == 302


def test_an_operator_stays_signed_in_across_look_ups(client, make_user, receipt):
    login(client, make_user(Role.OPERATOR))
    look_up(client, dict(receipt, access_code="1111 1111"))
    assert client.get("/staff/").status_code == 200


# ---- 4. Rate limits: strict per reference and IIN, generous per terminal ----

def test_ten_wrong_look_ups_by_other_people_do_not_lock_the_terminal(app, receipt, monkeypatch):
    monkeypatch.setitem(app.config, "STATUS_LOOKUP_LIMIT", "30 per minute;300 per hour")
    terminal = app.test_client()
    for n in range(12):  # twelve other villagers, each mistyping their own code once
        other = dict(reference=f"BB-2026-{900 + n:06d}", iin=f"9001013{n:05d}", access_code="1111 1111")
        assert look_up(terminal, other).status_code in (404, 422)
    assert look_up(terminal, receipt).status_code == 302  # the next person gets in


def test_wrong_look_ups_for_one_iin_are_stopped_whoever_types_them(app, receipt):
    codes = []
    for n in range(6):  # different references, different terminals, the same IIN
        client = app.test_client()
        attempt = dict(receipt, reference=f"BB-2026-{800 + n:06d}", access_code="1111 1111")
        codes.append(look_up(client, attempt, headers={"X-Forwarded-For": f"10.7.0.{n}"}).status_code)
    assert codes == [404] * 5 + [429]


def test_a_person_who_checks_often_is_never_locked_out(app, client, receipt):
    for _ in range(8):
        assert look_up(client, receipt).status_code == 302


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_the_pause_says_when_to_try_again_in_the_persons_language(app, client, receipt, locale):
    client.set_cookie("lang", locale)
    wrong = dict(receipt, access_code="1111 1111")
    for _ in range(5):
        assert look_up(client, wrong).status_code == 404
    paused = look_up(client, wrong)
    assert paused.status_code == 429
    assert 15 * 60 - 5 <= int(paused.headers["Retry-After"]) <= 15 * 60
    body = page_text(paused)
    assert 'id="lookup-paused"' in body and f'lang="{locale}"' in body
    from flask_babel import force_locale, ngettext
    with app.test_request_context(), force_locale(locale):
        expected = ngettext("You can try again in %(num)d minute, at %(time)s.",
                            "You can try again in %(num)d minutes, at %(time)s.", 15, time="TIME")
    assert expected != "You can try again in 15 minutes, at TIME."
    pattern = re.escape(expected).replace("TIME", r"\d{1,2}:\d{2}")
    assert re.search(pattern, body), body[body.find("lookup-paused"):][:600]
    assert f'value="{receipt["iin"]}"' in body  # what was typed stays


def test_the_pause_tells_nothing_about_whether_an_application_exists(app, receipt):
    """The same answer for a real reference and a made-up one: the counts go by what was typed."""
    real, made_up = app.test_client(), app.test_client()
    wrong = dict(receipt, access_code="1111 1111")
    invented = dict(reference="BB-2026-999999", iin=new_iin(), access_code="1111 1111")
    answers = [[look_up(c, d).status_code for _ in range(6)] for c, d in ((real, wrong), (made_up, invented))]
    assert answers[0] == answers[1] == [404] * 5 + [429]


# ---- 5. The language switch keeps everything ----

def lang_button(body: str, code: str) -> str:
    found = re.search(rf'<button class="link" form="([^"]+)" formmethod="post" formnovalidate '
                      rf'formaction="([^"]+)" name="_lang" value="{code}"', body)
    assert found, "the language switch is not a button of the form"
    return found.group(2).replace("&amp;", "&")


def test_switching_language_before_the_first_continue_keeps_what_was_typed(client, app):
    body = page_text(client.get("/apply"))
    action = lang_button(body, "ru")
    typed = application_data(app, business_idea="Сүт өңдеу цехы")
    switched = post_form(client, action, {**typed, "_lang": "ru"}, page="/apply")
    assert switched.status_code == 303 and switched.location.endswith("/apply")
    again = page_text(client.get("/apply"))
    assert 'lang="ru"' in again
    assert f'value="{typed["iin"]}"' in again and "Сүт өңдеу цехы" in again
    assert 'value="unemployed" checked' in again or re.search(r'checked[^>]*value="unemployed"', again)
    assert client.get("/apply/check").status_code == 302  # nothing was sent on: it is still a draft


def test_switching_language_on_the_status_look_up_keeps_the_details(client, receipt):
    action = lang_button(page_text(client.get("/status")), "ru")
    post_form(client, action, {**receipt, "_lang": "ru"}, page="/status")
    again = page_text(client.get("/status"))
    assert 'lang="ru"' in again and f'value="{receipt["iin"]}"' in again and receipt["reference"] in again


def test_switching_language_on_the_duplicate_refusal_leads_back_with_its_message(client, app, receipt):
    from tests.journey import fill_in
    data = application_data(app, iin=receipt["iin"])
    assert fill_in(client, data).status_code == 302  # the refusal comes when it is sent (test_iin_probing.py)
    refused = post_form(client, "/apply/submit", {}, page="/apply/check")
    assert refused.status_code == 409
    action = lang_button(page_text(refused), "ru")
    assert "check=1" in action and "next=/apply" in action
    post_form(client, action, {**data, "_lang": "ru"}, page="/apply")
    again = client.get("/apply")
    assert again.status_code == 409
    body = page_text(again)
    assert 'lang="ru"' in body and f'value="{receipt["iin"]}"' in body
    assert shows(again, translated("Check the status of your application", "ru"))


def test_a_draft_is_shown_only_on_its_own_page(client, app):
    typed = application_data(app)
    post_form(client, "/lang?next=/apply", {**typed, "_lang": "ru"}, page="/apply")
    assert typed["iin"] not in page_text(client.get("/status"))
    assert typed["iin"] not in page_text(client.get("/apply"))  # taken (and dropped) by the page visited first


def test_a_language_post_from_another_site_keeps_nothing(client, app):
    csrf_token(client, "/status")
    typed = {"reference": "BB-2026-000001", "iin": "900101300001", "_lang": "ru"}
    response = client.post("/lang?next=/status", data=typed, headers={"Origin": "https://evil.example"})
    assert response.status_code == 400 and client.get_cookie("lang") is None
    assert "900101300001" not in page_text(client.get("/status"))


def test_a_page_left_open_past_its_session_still_switches_and_keeps(client, app):
    """The token ran out with the session; the browser says the form came from our own page: nothing is lost."""
    typed = {"reference": "BB-2026-000001", "iin": "900101300001", "_lang": "ru"}
    response = client.post("/lang?next=/status", data=typed, headers={"Origin": "http://localhost"})
    assert response.status_code == 303 and client.get_cookie("lang").value == "ru"
    assert "900101300001" in page_text(client.get("/status"))


def test_pages_with_no_form_keep_a_plain_link(client):
    assert re.search(r'<a href="/lang/ru\?next=/" data-keep-typed="/lang\?next=/" lang="ru"', page_text(client.get("/")))


def test_a_staff_form_reads_the_draft_too(client, make_user):
    """Any FlaskForm on the page fills itself from the draft (bastau/i18n.py), without code of its own."""
    login(client, make_user(Role.NATIONAL_ADMIN))
    post_form(client, "/lang?next=/admin/users/new", {"full_name": "Бекова Сания", "username": "sania", "_lang": "ru"},
              page="/admin/users/new")
    assert 'value="Бекова Сания"' in page_text(client.get("/admin/users/new"))


# ---- 6. Applying on one's own phone ----

def test_applying_on_ones_own_phone_is_an_answer_stored_and_shown(client, app, store, make_user):
    form = page_text(client.get("/apply"))
    assert 'value="own_device"' in form and translated("On my own phone or computer", "kk") in form
    fill_in(client, application_data(app, channel="own_device"))
    check = client.get("/apply/check")
    assert shows(check, translated("On my own phone or computer", "kk"))
    post_form(client, "/apply/submit", {}, page="/apply/check")
    assert store.scalar(sa.select(Application.channel)) == Channel.OWN_DEVICE
    officer = app.test_client()
    login(officer, make_user(Role.CENTRE_OFFICER))
    assert shows(officer.get("/centre/"), translated("On my own phone or computer", "kk"))
    assert shows(officer.get("/centre/?source=own_device"), "Сәрсенбаева")


def test_an_operators_office_is_never_someones_own_phone(client, make_user):
    login(client, make_user(Role.NATIONAL_ADMIN))
    assert 'value="own_device"' not in page_text(client.get("/admin/users/new"))


# ---- 7. Staff idle end: back to the sign-in, then to the same page ----

def test_a_staff_page_ends_into_the_sign_in_with_the_same_page_next(client, make_user):
    login(client, make_user(Role.CENTRE_OFFICER))
    page = page_text(client.get("/centre/?status=submitted"))
    found = re.search(r'data-idle-url="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert found == "/session-ended?next=/centre/?status%3Dsubmitted"
    ended = client.get(found)
    assert ended.status_code == 302
    assert ended.location == "/staff/login?next=/centre/?status%3Dsubmitted&ended=1"
    assert client.get("/centre/").status_code == 302  # signed out for real
    sign_in = client.get(ended.location)
    assert shows(sign_in, translated("You were signed out because nothing was done for a while. Sign in again to "
                                     "go back to the page you were on.", "kk"))


def test_after_signing_in_again_the_staff_member_is_back_on_the_page(client, make_user):
    user = make_user(Role.CENTRE_OFFICER)
    from tests.conftest import PASSWORD
    url = "/staff/login?next=/centre/?status%3Dsubmitted&ended=1"
    response = post_form(client, url, {"login": user.username, "password": PASSWORD})
    assert response.location == "/centre/?status=submitted"


def test_an_applicants_idle_end_stays_on_the_applicants_page(client, app):
    apply(client, app)
    assert client.get("/session-ended").status_code == 200
    assert client.get("/session-ended?next=//evil.example").status_code == 200  # never off the site
