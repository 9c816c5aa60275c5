"""Whether an IIN already applied is told to nobody who has not filled in the whole form, and only so often.

An IIN that applied and one that did not get the same answers on every step before the application is sent:
the same status, the same words, the same fields marked, and no look-up of the IIN in the database at all. The
kind refusal comes when it is sent, and that answer is rate-limited per address (per account for an operator)
and per IIN, with "try again at …" in the person's language and nothing typed lost.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date

import pytest
from flask_babel import force_locale, ngettext

from bastau.clock import today
from bastau.config import from_environment
from bastau.models import Application, Role
from tests.conftest import (
    application_data,
    csrf_token,
    login,
    new_iin,
    page_text,
    post_form,
    sql_sent,
    translated,
)
from tests.journey import apply, look_up, shows

BORN = date(1990, 5, 17)  # both IINs of a pair share birth date and sex: the IIN's own line reads the same
ALREADY = "An application with this IIN was already made for %(year)s. You can follow it on the status page."
PAUSED = ("We could not send the application just now: too many applications were sent from this place or with "
          "this IIN in a short time. Your answers are kept.")


@pytest.fixture
def applied(app):
    """An IIN that has an active application this year (sent from another terminal)."""
    iin = new_iin(BORN)
    apply(app.test_client(), app, iin=iin)
    return iin


def _same_page(first, second, first_iin: str, second_iin: str) -> tuple[int, str]:
    """The two answers with each one's own IIN blanked out; they must be identical."""
    one = _tokenless(page_text(first).replace(first_iin, "IIN"))
    other = _tokenless(page_text(second).replace(second_iin, "IIN"))
    assert first.status_code == second.status_code, (first.status_code, second.status_code)
    assert one == other
    return first.status_code, one


def _two_visitors(app):
    """Two anonymous visitors at two terminals, each with its own session."""
    return app.test_client(), app.test_client()


SIGNED_TOKEN = re.compile(r"\bI[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}")  # a CSRF token


def _tokenless(body: str) -> str:
    """Each session has its own CSRF token: that says nothing about the IIN."""
    return SIGNED_TOKEN.sub("TOKEN", body)


@contextmanager
def application_queries(app):
    """The SQL statements that read the application table while the block runs."""
    with sql_sent(app) as sent:
        seen: list[str] = []
        yield seen
    seen.extend(statement for statement, _ in sent if re.search(r"\bFROM application\b", statement, re.I))



INCOMPLETE = {
    "only the IIN": lambda data: {"iin": data["iin"]},
    "no surname": lambda data: {**data, "surname": ""},
    "bad phone": lambda data: {**data, "phone": "12"},
    "no consent": lambda data: {k: v for k, v in data.items() if k != "consent"},
}


@pytest.mark.parametrize("missing", sorted(INCOMPLETE))
def test_an_incomplete_form_answers_the_same_for_an_iin_that_applied(app, applied, missing):
    fresh = new_iin(BORN)
    one, other = _two_visitors(app)
    with application_queries(app) as queries:
        first = post_form(one, "/apply", INCOMPLETE[missing](application_data(app, iin=applied)))
        second = post_form(other, "/apply", INCOMPLETE[missing](application_data(app, iin=fresh)))
    status, body = _same_page(first, second, applied, fresh)
    assert status == 422
    assert not shows(first, translated(ALREADY, "kk", year=today().year))
    assert 'href="/status"' not in _tokenless(body).split("<main", 1)[-1].split("</form>")[0]
    assert not queries, queries  # not even asked: the time taken cannot tell either


def test_the_live_iin_line_answers_the_same_for_an_iin_that_applied(app, applied):
    fresh = new_iin(BORN)
    one, other = _two_visitors(app)
    with application_queries(app) as queries:
        answers = [client.post("/apply/iin", data={"iin": iin},
                               headers={"HX-Request": "true", "X-CSRFToken": csrf_token(client, "/apply")})
                   for client, iin in ((one, applied), (other, fresh))]
    _same_page(*answers, applied, fresh)
    assert not queries


def test_a_complete_form_and_the_check_page_answer_the_same_until_it_is_sent(app, applied):
    fresh = new_iin(BORN)
    one, other = _two_visitors(app)
    with application_queries(app) as queries:
        continued = [post_form(client, "/apply", application_data(app, iin=iin))
                     for client, iin in ((one, applied), (other, fresh))]
        assert [r.status_code for r in continued] == [302, 302]
        assert continued[0].location == continued[1].location
        checks = [one.get("/apply/check"), other.get("/apply/check")]
    status, _body = _same_page(*checks, applied, fresh)
    assert status == 200 and not queries


def test_the_language_switch_with_a_draft_answers_the_same(app, applied):
    fresh = new_iin(BORN)
    answers = []
    for client, iin in zip(_two_visitors(app), (applied, fresh)):
        typed = {**application_data(app, iin=iin), "_lang": "ru"}
        post_form(client, "/lang?next=/apply&check=1", typed, page="/apply")
        answers.append(client.get("/apply"))
    status, _body = _same_page(*answers, applied, fresh)
    assert status == 200


def test_the_refusal_comes_kindly_when_the_application_is_sent_and_keeps_what_was_typed(app, applied, store):
    visitor = app.test_client()
    assert post_form(visitor, "/apply", application_data(app, iin=applied, surname="Тексерова")).status_code == 302
    refused = post_form(visitor, "/apply/submit", {}, page="/apply/check")
    assert refused.status_code == 409
    assert shows(refused, translated(ALREADY, "kk", year=today().year)) and 'href="/status"' in page_text(refused)
    assert 'value="Тексерова"' in page_text(refused)
    assert store.count(Application, Application.iin == applied) == 1
    # the language switch on the refusal shows it again, in Russian, without asking anew
    typed = {**application_data(app, iin=applied, surname="Тексерова"), "_lang": "ru"}
    post_form(visitor, "/lang?next=/apply&check=1", typed, page="/apply")
    again = visitor.get("/apply")
    assert again.status_code == 409 and shows(again, translated(ALREADY, "ru", year=today().year))
    # ... but only for that IIN: another one typed after it is not refused by the session's memory
    other = {**application_data(app, surname="Тексерова"), "_lang": "kk"}
    post_form(visitor, "/lang?next=/apply&check=1", other, page="/apply")
    assert visitor.get("/apply").status_code == 200


def _send(client, iin: str, address: str, app):
    environ = {"REMOTE_ADDR": address}
    continued = post_form(client, "/apply", application_data(app, iin=iin), environ_base=environ)
    assert continued.status_code == 302, page_text(continued)[:500]
    sent = post_form(client, "/apply/submit", {}, page="/apply/check", environ_base=environ)
    if sent.status_code == 302 and sent.location.endswith("/apply/check"):  # paused: told on the check page
        return client.get(sent.location, environ_base=environ)
    return sent


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_too_many_sent_from_one_address_are_paused_with_when_to_try_again(app, applied, monkeypatch, locale):
    monkeypatch.setitem(app.config, "DUPLICATE_CHECK_LIMIT", "2 per hour")
    prober = app.test_client()
    prober.set_cookie("lang", locale)
    codes = [_send(prober, applied, "10.7.0.1", app).status_code for _ in range(2)]
    assert codes == [409, 409]
    blocked = _send(prober, new_iin(BORN), "10.7.0.1", app)
    assert blocked.status_code == 429 and 0 < int(blocked.headers["Retry-After"]) <= 3600
    assert shows(blocked, translated(PAUSED, locale))
    minutes = -(-int(blocked.headers["Retry-After"]) // 60)
    with app.app_context(), force_locale(locale):
        again = ngettext("You can try again in %(num)d minute, at %(time)s.",
                         "You can try again in %(num)d minutes, at %(time)s.", minutes, time="TIME")
    assert again.split("TIME")[0] in page_text(blocked) and "try again" not in again
    assert not shows(blocked, translated(ALREADY, locale, year=today().year))
    assert "Сәрсенбаева" in page_text(blocked)  # the answers are on the page, ready to send later
    assert prober.get("/apply/check").status_code == 429  # reload: still paused, still all there
    ru = prober.get("/lang/ru?next=/apply/check", follow_redirects=True)  # the language switch on that page
    assert ru.status_code == 429 and shows(ru, translated(PAUSED, "ru")) and "Сәрсенбаева" in page_text(ru)
    # another terminal elsewhere is not paused
    assert _send(app.test_client(), new_iin(BORN), "10.7.0.2", app).status_code == 302


def test_one_iin_is_paused_whoever_sends_it_from_wherever(app, applied, monkeypatch):
    monkeypatch.setitem(app.config, "DUPLICATE_CHECK_IIN_LIMIT", "2 per hour")
    codes = [_send(app.test_client(), applied, f"10.8.0.{n}", app).status_code for n in range(1, 4)]
    assert codes == [409, 409, 429]


def test_filling_in_and_checking_never_spend_the_limit(app, applied, monkeypatch):
    monkeypatch.setitem(app.config, "DUPLICATE_CHECK_LIMIT", "1 per hour")
    visitor = app.test_client()
    for _ in range(5):
        post_form(visitor, "/apply", {"iin": applied}, environ_base={"REMOTE_ADDR": "10.9.0.1"})
        post_form(visitor, "/apply", application_data(app, iin=applied), environ_base={"REMOTE_ADDR": "10.9.0.1"})
        visitor.get("/apply/check", environ_base={"REMOTE_ADDR": "10.9.0.1"})
    assert post_form(visitor, "/apply/submit", {}, page="/apply/check",
                     environ_base={"REMOTE_ADDR": "10.9.0.1"}).status_code == 409


def test_a_busy_shared_terminal_is_never_paused_with_the_production_limits(app, monkeypatch, tmp_path):
    """An akimat terminal on a busy day: people one after another, a few of them twice by mistake."""
    production = from_environment(tmp_path)
    for name in ("DUPLICATE_CHECK_LIMIT", "DUPLICATE_CHECK_IIN_LIMIT"):
        monkeypatch.setitem(app.config, name, production[name])
    terminal = app.test_client()
    codes = []
    for n in range(24):  # two hours at one applicant every five minutes
        iin = new_iin(BORN)
        codes.append(_send(terminal, iin, "10.10.0.1", app).status_code)
        terminal.post("/finish", data={"csrf_token": csrf_token(terminal, "/apply/done")})
        if n % 6 == 0:  # the same person tries again, not knowing it went through
            codes.append(_send(terminal, iin, "10.10.0.1", app).status_code)
    assert 429 not in codes and codes.count(409) == 4


def test_an_operator_sees_the_refusal_only_when_sending_and_is_counted_per_account(app, applied, make_user,
                                                                                    monkeypatch):
    monkeypatch.setitem(app.config, "DUPLICATE_CHECK_LIMIT", "1 per hour")
    monkeypatch.setitem(app.config, "DUPLICATE_CHECK_OPERATOR_LIMIT", "2 per hour")
    _send(app.test_client(), new_iin(BORN), "10.11.0.1", app)  # the office's address has used its anonymous limit
    operator = app.test_client()
    login(operator, make_user(Role.OPERATOR))
    assert post_form(operator, "/apply", {"iin": applied}).status_code == 422
    assert not shows(post_form(operator, "/apply", {"iin": applied}), translated(ALREADY, "kk", year=today().year))
    codes = [_send(operator, applied, "10.11.0.1", app).status_code for _ in range(3)]
    assert codes == [409, 409, 429]


def test_status_look_up_and_new_code_answer_the_same_for_an_iin_that_applied(app, applied, receipt):
    fresh = new_iin(BORN)
    wrong = {"reference": receipt["reference"], "access_code": "1111 1111"}
    answers = [look_up(app.test_client(), {**wrong, "iin": iin}) for iin in (applied, fresh)]
    status, _ = _same_page(*answers, applied, fresh)
    assert status == 404
    birth = BORN.strftime("%d.%m.%Y")
    sent = [post_form(app.test_client(), "/status/code", {"way": "iin", "iin": iin, "birth_date": birth})
            for iin in (applied, fresh)]
    status, _ = _same_page(*sent, applied, fresh)
    assert status == 200



def test_a_new_code_takes_the_same_time_whether_or_not_the_iin_has_an_application(app, applied):
    """Storing a new code and queueing its SMS takes longer than doing nothing: the answer waits for a floor."""
    import time

    from bastau.apply.services import CODE_ANSWER_TAKES
    birth = BORN.strftime("%d.%m.%Y")
    taken = {}
    for iin in (applied, new_iin(BORN)):
        client = app.test_client()
        token = csrf_token(client, "/status/code")
        started = time.perf_counter()
        answer = client.post("/status/code", data={"way": "iin", "iin": iin, "birth_date": birth, "csrf_token": token})
        taken[iin] = time.perf_counter() - started
        assert answer.status_code == 200
    assert all(seconds >= CODE_ANSWER_TAKES for seconds in taken.values()), taken
