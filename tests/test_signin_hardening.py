"""Staff sign-in an attacker cannot read or stall: the same work and the same answer whether or not an account
exists, failed tries limited per username (briefly) and per address (counting failures only, so one office behind
one address is never paused by people signing in right), and client addresses taken from X-Forwarded-For only when
a configured proxy sent it."""
from __future__ import annotations

import re
import time
import types

import pytest
from limits.storage import memory as limiter_memory

from bastau import proxies
from bastau.accounts import signin
from bastau.models import Role
from tests.conftest import PASSWORD, csrf_token, page_text, post_form, translated
from tests.journey import shows

WRONG = "Wrong username or password, or the account is disabled."
PAUSED = "For safety, this is paused for a few minutes. Please wait and try again."
FOR_THE_USERNAME = "Too many wrong passwords for this username. Other staff can still sign in here."
TOKEN = re.compile(r'name="csrf_token" value="[^"]+"')


def sign_in(client, login: str, password: str, address: str = "10.5.0.1", **kwargs):
    return post_form(client, "/staff/login", {"login": login, "password": password},
                     environ_base={"REMOTE_ADDR": address}, **kwargs)


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """Every password hash the sign-in checks (the real check still runs)."""
    seen, real = [], signin.check_password_hash

    def spy(stored, password):
        seen.append(stored)
        return real(stored, password)
    monkeypatch.setattr(signin, "check_password_hash", spy)
    return seen


@pytest.fixture
def later(monkeypatch):
    """Move the rate limiter's clock on (its memory storage reads time.time)."""
    def move(seconds: float) -> None:
        monkeypatch.setattr(limiter_memory, "time", types.SimpleNamespace(time=lambda: time.time() + seconds))
    return move


# ---- the same work and the same answer either way ----

@pytest.mark.parametrize("who", ["unknown", "disabled", "wrong password"])
def test_every_refused_sign_in_checks_a_password_hash(app, client, make_user, hash_checks, who):
    staff = make_user(Role.OPERATOR, active=who != "disabled")
    login = "nobody-here" if who == "unknown" else staff.username
    password = "wrong pass phrase" if who == "wrong password" else PASSWORD
    response = sign_in(client, login, password)
    assert response.status_code == 401 and shows(response, translated(WRONG, "kk"))
    assert len(hash_checks) == 1, "one hash check, as for a real account"
    method = app.config["PASSWORD_HASH_METHOD"]
    assert hash_checks[0].startswith(method + "$"), "the stand-in hash is made with the configured method"
    assert client.get("/staff/").status_code == 302  # nobody signed in


def test_the_stand_in_hash_is_made_once(client, monkeypatch, hash_checks):
    made = []
    real = signin.generate_password_hash
    monkeypatch.setattr(signin, "generate_password_hash", lambda *a, **k: made.append(1) or real(*a, **k))
    signin._stand_in_hash.cache_clear()
    for name in ("ghost-1", "ghost-2", "ghost-3"):
        assert sign_in(client, name, "whatever it is").status_code == 401
    assert len(made) == 1 and len(set(hash_checks)) == 1


def test_a_right_password_still_signs_in_and_is_checked_once(client, make_user, hash_checks):
    staff = make_user(Role.OPERATOR)
    assert sign_in(client, staff.username, PASSWORD).status_code == 302
    assert len(hash_checks) == 1 and client.get("/staff/").status_code == 200


@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_unknown_disabled_and_wrong_password_get_the_same_page(app, make_user, locale):
    staff = make_user(Role.OPERATOR)
    disabled = make_user(Role.OPERATOR, username="left-the-job", active=False)
    answers = []
    for login, password in (("no-such-person", PASSWORD), (staff.username, "not the password"),
                            (disabled.username, PASSWORD)):
        client = app.test_client()
        client.set_cookie("lang", locale)
        response = sign_in(client, login, password)
        answers.append((response.status_code, TOKEN.sub("", page_text(response)).replace(login, "<login>")))
    assert answers[0][0] == 401 and shows_text(answers[0][1], translated(WRONG, locale))
    assert answers[0] == answers[1] == answers[2]


def shows_text(body: str, text: str) -> bool:
    import html
    return html.escape(text) in body or text in body


# ---- per-username limit: failures only, a short pause, then the right password works again ----

@pytest.mark.parametrize("locale", ["kk", "ru"])
def test_failed_tries_pause_one_username_briefly_from_any_address(app, make_user, monkeypatch, later, locale):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", "3 per 10 minutes")
    staff, colleague = make_user(Role.OPERATOR), make_user(Role.CENTRE_OFFICER)
    guesser = app.test_client()
    for n, address in enumerate(("198.51.100.1", "198.51.100.2", "198.51.100.3")):  # the guesser moves around
        assert sign_in(guesser, staff.username.upper() + " ", f"guess {n}", address).status_code == 401

    terminal = app.test_client()  # the real person, with the right password, at a terminal never signed in from
    terminal.set_cookie("lang", locale)
    paused = sign_in(terminal, staff.username, PASSWORD, "10.5.0.9")
    assert paused.status_code == 429
    assert shows(paused, translated(PAUSED, locale)) and shows(paused, translated(FOR_THE_USERNAME, locale))
    wait = int(paused.headers["Retry-After"])
    assert 0 < wait <= 600
    minutes = re.search(r"<strong>([^<]*\d+[^<]*)</strong>", page_text(paused)).group(1)
    assert str(-(-wait // 60)) in minutes and re.search(r"\d{1,2}:\d{2}", minutes)  # in how long, and at what time
    assert f'value="{staff.username}"' in page_text(paused)  # what was typed stays
    assert terminal.get("/staff/").status_code == 302

    assert sign_in(app.test_client(), colleague.username, PASSWORD, "10.5.0.9").status_code == 302  # others: fine

    later(601)  # the window is over: the right password works again, from the same terminal
    assert sign_in(terminal, staff.username, PASSWORD, "10.5.0.9").status_code == 302
    assert terminal.get("/staff/").status_code == 200


def test_a_browser_the_person_signed_in_from_before_is_not_paused_by_guesses_elsewhere(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", "3 per 10 minutes")
    staff = make_user(Role.OPERATOR)
    terminal = app.test_client()  # the akimat's shared terminal, where the person signs in every day
    assert sign_in(terminal, staff.username, PASSWORD, "10.5.0.9").status_code == 302
    assert post_form(terminal, "/staff/logout", {}, page="/staff/").status_code == 302
    for n in range(3):
        assert sign_in(app.test_client(), staff.username, f"guess {n}", f"198.51.100.{n}").status_code == 401
    assert sign_in(app.test_client(), staff.username, PASSWORD, "10.5.0.9").status_code == 429  # a new browser
    assert sign_in(terminal, staff.username, PASSWORD, "10.5.0.9").status_code == 302  # the person's own: in
    assert terminal.get("/staff/").status_code == 200


def test_guesses_from_a_known_browser_are_limited_on_their_own(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", "3 per 10 minutes")
    staff = make_user(Role.OPERATOR)
    terminal = app.test_client()
    assert sign_in(terminal, staff.username, PASSWORD).status_code == 302
    post_form(terminal, "/staff/logout", {}, page="/staff/")
    for n in range(3):  # someone at the same terminal guesses
        assert sign_in(terminal, staff.username, f"guess {n}").status_code == 401
    assert sign_in(terminal, staff.username, PASSWORD).status_code == 429


def test_a_made_up_known_browser_cookie_counts_as_a_stranger(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", "2 per 10 minutes")
    staff = make_user(Role.OPERATOR)
    for n in range(2):
        assert sign_in(app.test_client(), staff.username, f"guess {n}").status_code == 401
    forger = app.test_client()
    forger.set_cookie(signin.KNOWN_COOKIE, "WyJhYmMiXQ.forged.signature", path="/staff/login")
    assert sign_in(forger, staff.username, PASSWORD).status_code == 429


def test_the_known_browser_cookie_names_nobody_and_goes_to_the_sign_in_only(app, make_user):
    staff = make_user(Role.OPERATOR, username="aigerim.s")
    client = app.test_client()
    response = sign_in(client, staff.username, PASSWORD)
    cookie = next(value for value in response.headers.getlist("Set-Cookie") if value.startswith(signin.KNOWN_COOKIE))
    assert "aigerim" not in cookie and "Path=/staff/login" in cookie and "HttpOnly" in cookie


def test_an_unknown_username_is_paused_the_same_way(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", "2 per 10 minutes")
    staff = make_user(Role.OPERATOR)
    answers = {}
    for login in (staff.username, "made-up-name"):
        client = app.test_client()
        for n in range(2):
            assert sign_in(client, login, f"guess {n}", f"198.51.100.{n + 10}").status_code == 401
        response = sign_in(client, login, "guess 3", "198.51.100.20")
        body = TOKEN.sub("", page_text(response)).replace(login, "<login>")
        body = re.sub(r"<strong>[^<]*</strong>", "<strong>when</strong>", body)  # the time differs by a second
        answers[login] = (response.status_code, body, int(response.headers["Retry-After"]))
    assert answers[staff.username][0] == 429
    assert answers[staff.username][:2] == answers["made-up-name"][:2]
    assert abs(answers[staff.username][2] - answers["made-up-name"][2]) <= 2


def test_a_phone_number_is_counted_as_the_same_username_however_it_is_typed(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", "2 per 10 minutes")
    staff = make_user(Role.OPERATOR, phone="+77011234567")
    client = app.test_client()
    assert sign_in(client, "8 701 123 45 67", "guess 1").status_code == 401
    assert sign_in(client, "+7 (701) 123-45-67", "guess 2", "10.5.0.2").status_code == 401
    assert sign_in(client, "7011234567", PASSWORD, "10.5.0.3").status_code == 429
    assert staff.username  # the username is another key: it still works
    assert sign_in(app.test_client(), staff.username, PASSWORD, "10.5.0.4").status_code == 302


def test_a_form_with_an_empty_field_is_no_failed_try(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", "1 per 10 minutes")
    staff = make_user(Role.OPERATOR)
    client = app.test_client()
    for _ in range(3):
        assert sign_in(client, staff.username, "").status_code == 200  # asked to fill it in, not counted
    assert sign_in(client, staff.username, PASSWORD).status_code == 302


# ---- per-address limit: an office behind one address ----

def test_an_office_behind_one_address_signing_in_right_is_never_paused(app, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT", "3 per minute")
    people = [make_user(Role.OPERATOR, username=f"desk-{n}") for n in range(8)]
    for person in people:  # eight people, more sign-ins than the limit, all right
        assert sign_in(app.test_client(), person.username, PASSWORD, "10.20.0.1").status_code == 302
    for n in range(3):  # failures do count
        assert sign_in(app.test_client(), f"typo-{n}", PASSWORD, "10.20.0.1").status_code == 401
    paused = sign_in(app.test_client(), people[0].username, PASSWORD, "10.20.0.1")
    assert paused.status_code == 429 and shows(paused, translated(PAUSED, "kk"))
    assert not shows(paused, translated(FOR_THE_USERNAME, "kk"))  # the address, not the username, is paused
    assert 0 < int(paused.headers["Retry-After"]) <= 60


def test_the_default_limits_leave_room_for_an_office_and_stay_short_for_a_username(monkeypatch, tmp_path):
    from limits import parse_many

    from bastau.config import from_environment
    for name in ("BASTAU_ENV", "LOGIN_LIMIT", "LOGIN_ACCOUNT_LIMIT"):
        monkeypatch.delenv(name, raising=False)
    defaults = from_environment(tmp_path)
    account = parse_many(defaults["LOGIN_ACCOUNT_LIMIT"])
    assert max(item.get_expiry() for item in account) <= 15 * 60, "a username is never paused for long"
    assert all(item.amount >= 5 for item in account), "a few typos are not a pause"
    per_address = parse_many(defaults["LOGIN_LIMIT"])
    assert min(item.amount for item in per_address) >= 10


# ---- X-Forwarded-For: only from a configured proxy ----

@pytest.fixture
def behind_proxy(app, monkeypatch):
    """The test app as production runs it: TRUSTED_PROXIES names the proxy at 10.9.0.1."""
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", "10.9.0.1, 10.8.0.0/24")
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # put back after the test
    proxies.install(app)
    monkeypatch.setitem(app.config, "LOGIN_LIMIT", "2 per minute")
    return app


def _guess(app, direct_from: str, forwarded_for: str | None = None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    client = app.test_client()
    token = csrf_token(client, "/staff/login")
    return client.post("/staff/login", data={"login": "nobody", "password": "x", "csrf_token": token},
                       environ_base={"REMOTE_ADDR": direct_from}, headers=headers).status_code


def test_a_spoofed_forwarded_for_from_a_client_reaching_the_app_directly_is_ignored(behind_proxy):
    codes = [_guess(behind_proxy, "203.0.113.7", f"192.0.2.{n}") for n in range(3)]  # a new "address" each time
    assert codes == [401, 401, 429], "counted as the one address it really is"


def test_the_configured_proxy_is_believed_and_clients_behind_it_are_counted_apart(behind_proxy):
    assert [_guess(behind_proxy, "10.9.0.1", "198.51.100.1") for _ in range(3)] == [401, 401, 429]
    assert _guess(behind_proxy, "10.9.0.1", "198.51.100.2") == 401  # another client behind the same proxy
    # What the client wrote in front is not believed: the proxy appended what it saw (198.51.100.1, paused).
    assert _guess(behind_proxy, "10.9.0.1", "192.0.2.99, 198.51.100.1") == 429
    # Through two proxies of the list (10.8.0.5, then 10.9.0.1): the client is the one before them.
    assert _guess(behind_proxy, "10.9.0.1", "192.0.2.50, 198.51.100.1, 10.8.0.5") == 429


@pytest.mark.parametrize("peer, forwarded, proto, seen", [
    ("203.0.113.7", "192.0.2.1", "https", ("203.0.113.7", "http")),   # not a proxy: headers ignored
    ("10.9.0.1", "192.0.2.1", "https", ("192.0.2.1", "https")),       # the proxy
    ("10.9.0.1", "1.1.1.1, 192.0.2.1", "http", ("192.0.2.1", "http")),  # the right-most untrusted hop
    ("10.9.0.1", "192.0.2.1, 10.8.0.7", "https", ("192.0.2.1", "https")),  # through a second trusted proxy
    ("10.9.0.1", "10.8.0.7", "https", ("10.8.0.7", "https")),         # only proxies: the first one
    ("10.9.0.1", "not-an-address", "https", ("10.9.0.1", "https")),   # garbage: believe none of it
    ("10.9.0.1", "", "https", ("10.9.0.1", "https")),
    ("", "192.0.2.1", "https", ("", "http")),                         # a unix socket, not trusted here
])
def test_the_client_address_rule(peer, forwarded, proto, seen):
    networks, unix = proxies.parse_trusted_proxies("10.9.0.1, 10.8.0.0/24")
    app = proxies.TrustedProxies(lambda environ, start: [f"{environ['REMOTE_ADDR']} {environ['wsgi.url_scheme']}"],
                                 networks, unix)
    environ = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded, "HTTP_X_FORWARDED_PROTO": proto,
               "wsgi.url_scheme": "http"}
    assert app(environ, None) == [" ".join(seen)]


def test_a_unix_socket_proxy_is_believed_when_listed():
    networks, unix = proxies.parse_trusted_proxies("unix")
    app = proxies.TrustedProxies(lambda environ, start: [environ["REMOTE_ADDR"]], networks, unix)
    assert app({"REMOTE_ADDR": "", "HTTP_X_FORWARDED_FOR": "192.0.2.1"}, None) == ["192.0.2.1"]


def test_a_mistyped_proxy_setting_refuses_to_start():
    with pytest.raises(proxies.ProxySettingError, match="10.9.0.300"):
        proxies.parse_trusted_proxies("127.0.0.1, 10.9.0.300")


def test_the_older_proxy_count_is_believed_only_from_this_machine(caplog):
    from flask import Flask, request
    echo = Flask("echo")
    echo.config.update(TRUSTED_PROXY_COUNT=1)
    echo.get("/")(lambda: request.remote_addr)
    proxies.install(echo)
    assert "TRUSTED_PROXIES" in caplog.text  # says what to set instead
    client = echo.test_client()
    headers = {"X-Forwarded-For": "192.0.2.1"}
    assert client.get("/", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}).text == "192.0.2.1"
    assert client.get("/", headers=headers, environ_base={"REMOTE_ADDR": "203.0.113.7"}).text == "203.0.113.7"


def test_trusted_proxies_come_from_the_environment(monkeypatch, tmp_path):
    from bastau.config import from_environment
    monkeypatch.delenv("BASTAU_ENV", raising=False)
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, unix")
    assert from_environment(tmp_path)["TRUSTED_PROXIES"] == "127.0.0.1, unix"
