"""The production setup: /healthz, request logs without personal data, the production switch, and two gunicorn
servers (two workers each) behind an imaginary balancer sharing one database, one Redis and one plan folder."""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import warnings
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from bastau import health, request_log, trust_proxies
from bastau.config import ConfigurationError, from_environment
from bastau.extensions import db
from bastau.models import Role, User, WebSession
from tests.conftest import application_data
from tests.journey import apply, look_up, receipt_details

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET = "s" * 64
# Its own Redis database per suite: `make test` runs the SQLite and PostgreSQL suites side by side.
REDIS_URL = f"redis://127.0.0.1:6379/{13 if os.environ.get('BASTAU_TEST_DB') == 'postgresql' else 12}"
REQUEST_LINE_KEYS = {"time", "request_id", "method", "rule", "endpoint", "status", "duration_ms", "bytes", "pid",
                     "role"}


class WholeResponseClient(FlaskClient):
    """Reads each response to the end and closes it, as a WSGI server does (the request line is written then)."""

    def open(self, *args, **kwargs):
        kwargs["buffered"] = True
        return super().open(*args, **kwargs)


@pytest.fixture
def plans(app, monkeypatch, tmp_path):
    folder = tmp_path / "plans"
    folder.mkdir()
    monkeypatch.setitem(app.config, "PLAN_STORAGE", str(folder))
    return folder


# ---- /healthz ----

def redis_ok(app) -> dict:
    """Redis is checked too when the app uses it (CI sets REDIS_URL)."""
    return {"redis": "ok"} if app.config.get("REDIS_URL") else {}


def test_healthz_is_ok_and_leaves_no_session_or_cookie(app, client, store, plans):
    before = store.count(WebSession)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert {k: v for k, v in response.json.items() if k != "detail"} == {
        "status": "ok", "checks": {"database": "ok", "plan_storage": "ok"} | redis_ok(app)}
    assert set(response.json["detail"]) == {"stale_jobs", "reference_warnings"}  # warnings; not a failure
    assert "Set-Cookie" not in response.headers and response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers, "plain HTTP (make run) gets no HSTS"
    assert store.count(WebSession) == before
    assert not list(plans.iterdir()), "the write probe is removed again"


def test_healthz_fails_when_plan_storage_is_not_writable(app, client, monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("")
    for folder in (tmp_path / "not-mounted", tmp_path / "a-file" / "plans"):
        monkeypatch.setitem(app.config, "PLAN_STORAGE", str(folder))
        response = client.get("/healthz")
        assert response.status_code == 503, folder
        assert response.json["status"] == "fail"
        assert response.json["checks"] == {"database": "ok", "plan_storage": "fail: not writable"} | redis_ok(app)
        assert not (tmp_path / "not-mounted").exists(), "a missing mount is not replaced by a local folder"


def test_healthz_fails_when_the_database_is_behind_the_code(app, client, plans, monkeypatch):
    with app.app_context():
        assert health.migrations_head() == db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
    monkeypatch.setattr(health, "migrations_head", lambda: "a-newer-revision")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "fail: not migrated"


# ---- request logs ----

def test_request_lines_carry_no_personal_data(app, caplog, capsys):
    client = WholeResponseClient(app, app.response_class, use_cookies=True)
    data = application_data(app)
    with caplog.at_level("INFO", logger="bastau"):
        receipt = apply(client, app, **data)
        reference, access_code = receipt_details(receipt)
        status = look_up(WholeResponseClient(app, app.response_class, use_cookies=True),
                         {"reference": reference, "iin": data["iin"], "access_code": access_code})
        assert status.status_code in (200, 302)
        assert client.get(f"/status?reference={reference}&iin={data['iin']}").status_code == 200
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert {(line["method"], line["rule"]) for line in lines} >= {
        ("POST", "/apply"), ("POST", "/apply/submit"), ("GET", "/apply/done"), ("POST", "/status"), ("GET", "/status")}
    for line in lines:
        assert set(line) == REQUEST_LINE_KEYS
        assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"]) and line["pid"] == os.getpid()
        assert line["bytes"] > 0 and line["duration_ms"] >= 0 and line["role"] is None
    logged = caplog.text + json.dumps(lines, ensure_ascii=False)
    assert "bastau.request" in {record.name for record in caplog.records}
    phone_digits = re.sub(r"\D", "", data["phone"])[1:]
    for secret in (data["iin"], data["surname"], data["first_name"], reference, access_code, phone_digits,
                   "701 234 56 78", "127.0.0.1"):
        assert secret not in logged, secret


def test_an_error_is_logged_with_the_rule_and_request_id_not_the_path(app, monkeypatch, caplog, capsys):
    def broken(number):
        raise RuntimeError("the view failed")
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production: logged, then a 500 page
    monkeypatch.setitem(app.view_functions, "defence.certificate", broken)
    client = WholeResponseClient(app, app.response_class)
    with caplog.at_level("INFO", logger="bastau"):
        response = client.get("/certificates/900101300123", headers={"X-Request-ID": "lb-error-1"})
    assert response.status_code == 500
    error = next(record for record in caplog.records if record.levelname == "ERROR")
    assert error.getMessage() == "Exception on /certificates/<number> [GET] request_id=lb-error-1"
    assert "RuntimeError: the view failed" in caplog.text and "900101300123" not in caplog.text
    line = json.loads(capsys.readouterr().err.splitlines()[-1])
    assert (line["rule"], line["status"], line["request_id"]) == ("/certificates/<number>", 500, "lb-error-1")


@pytest.mark.parametrize("incoming, kept", [
    ("5f2b8c1e-9a7d-4c3b-8e21-0d6f4a9b7c12", True),   # a UUID
    ("0123456789abcdef0123456789abcdef", False),     # ten digits in a row: could be a phone or an IIN
    ("900101300123", False),                         # an IIN
    ("short", False),
    ("x" * 129, False),
    ("<script>alert(1)</script>", False),
    (None, False),
])
def test_request_id_is_taken_only_when_it_looks_like_one(incoming, kept):
    chosen = request_log.request_id(incoming)
    assert (chosen == incoming) is kept
    assert kept or re.fullmatch(r"[0-9a-f]{32}", chosen)


def test_request_id_is_echoed(app, client, plans):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-4f1c2d"}).headers["X-Request-ID"] == "lb-4f1c2d"
    assert re.fullmatch(r"[0-9a-f]{32}", client.get("/healthz").headers["X-Request-ID"])


# ---- configuration: development and production ----

# Whom people consent to (bastau/config.py: OPERATOR_REQUIRED_IN_PRODUCTION).
DATA_OPERATOR = {"DATA_OPERATOR_NAME_KK": "«Атамекен» ҰКП", "DATA_OPERATOR_NAME_RU": "НПП «Атамекен»",
                 "DATA_OPERATOR_BIN": "123456789012", "DATA_OPERATOR_ADDRESS_KK": "Астана қ.",
                 "DATA_OPERATOR_ADDRESS_RU": "г. Астана"}
ACCESS_CODE_KEY = "k" * 40  # bastau/access_codes.py: required in production
PRODUCTION_ENV = {"BASTAU_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": "postgresql://u@db/bastau",
                  "PLAN_STORAGE": "/srv/bastau/plans", "REDIS_URL": REDIS_URL, "ACCESS_CODE_KEY": ACCESS_CODE_KEY,
                  **DATA_OPERATOR}
SETTINGS = ("BASTAU_ENV", "SECRET_KEY", "DATABASE_URL", "PLAN_STORAGE", "REDIS_URL", "SESSION_COOKIE_SECURE",
            "TRUSTED_PROXY_COUNT")


def clean_environment(monkeypatch, names):
    """None of `names` is set; returns a function that sets some."""
    for name in names:
        monkeypatch.delenv(name, raising=False)

    def set_to(values: dict) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
    return set_to


@pytest.fixture
def environment(monkeypatch):
    return clean_environment(monkeypatch, SETTINGS)


def test_development_keeps_everything_in_instance_and_plain_http_cookies(environment, tmp_path):
    config = from_environment(tmp_path)  # what `make run` gets on http://127.0.0.1:5000
    assert not config["PRODUCTION"] and config["PREFERRED_URL_SCHEME"] == "http"
    assert config["SESSION_COOKIE_NAME"] == "bastau_session" and not config["SESSION_COOKIE_SECURE"]
    assert config["PLAN_STORAGE"] == str(tmp_path / "plans") and (tmp_path / "plans").is_dir()
    assert config["TRUSTED_PROXY_COUNT"] == 0 and config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert not config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"]  # a developer sees the failing values
    assert (tmp_path / "secret_key").exists()


def test_production_takes_everything_from_the_environment(environment, tmp_path):
    environment(PRODUCTION_ENV | {"TRUSTED_PROXY_COUNT": "2"})
    config = from_environment(tmp_path / "instance")
    assert config["SECRET_KEY"] == SECRET and config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/bastau"
    assert config["PLAN_STORAGE"] == "/srv/bastau/plans" and config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    assert config["SESSION_COOKIE_NAME"] == "__Host-bastau_session"
    assert config["SESSION_COOKIE_SECURE"] and config["SESSION_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax" and config["TRUSTED_PROXY_COUNT"] == 2
    assert config["SQLALCHEMY_ENGINE_OPTIONS"]["hide_parameters"]  # no IIN in a logged database error
    assert not (tmp_path / "instance").exists(), "production writes nothing into instance/"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "PLAN_STORAGE"])
def test_production_refuses_to_start_without_shared_state(environment, tmp_path, missing):
    environment({name: value for name, value in PRODUCTION_ENV.items() if name != missing})
    with pytest.raises(ConfigurationError, match=missing):
        from_environment(tmp_path)


def test_production_refuses_a_short_secret_key(environment, tmp_path):
    environment(PRODUCTION_ENV | {"SECRET_KEY": "changeme"})
    with pytest.raises(ConfigurationError, match="at least 32"):
        from_environment(tmp_path)


def _echo_app(hops: int) -> Flask:
    app = Flask("echo")
    app.config["TRUSTED_PROXY_COUNT"] = hops
    app.get("/")(lambda: f"{request.remote_addr} {request.scheme}")
    trust_proxies(app)
    return app


@pytest.mark.parametrize("hops, seen", [
    (0, "127.0.0.1 http"),         # nobody is trusted: a client cannot pick its own address
    (1, "198.51.100.9 https"),     # nginx appended the client's address to what the client claimed
    (2, "203.0.113.5 https"),      # balancer + nginx
])
def test_client_address_comes_from_trusted_proxies_only(hops, seen):
    headers = {"X-Forwarded-For": "203.0.113.5, 198.51.100.9", "X-Forwarded-Proto": "https"}
    assert _echo_app(hops).test_client().get("/", headers=headers).get_data(as_text=True) == seen


# ---- two gunicorn servers, one database, one Redis, one plan folder ----

REDIS_DOWN = """
##########################################################################
#  PRODUCTION CLUSTER TEST SKIPPED: no Redis at 127.0.0.1:6379.          #
#  Start it (`redis-server --daemonize yes`; .ci/run does this).         #
##########################################################################"""
STAFF, PASSWORD = "chief", "a long pass phrase 7"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _cluster_database(tmp: Path) -> str:
    """A temp SQLite file, or with BASTAU_TEST_DB=postgresql `<TEST_DATABASE_URL's db>_prod` emptied."""
    if os.environ.get("BASTAU_TEST_DB") != "postgresql":
        return f"sqlite:///{tmp / 'cluster.sqlite'}"
    url = sa.make_url(os.environ["TEST_DATABASE_URL"])
    name = f"{url.database}_prod"
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    server.dispose()
    url = url.set(database=name)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
    return url.render_as_string(hide_password=False)


def _add_staff(database_url: str) -> None:
    engine = sa.create_engine(database_url)
    with sa.orm.Session(engine) as session:
        session.add(User(username=STAFF, full_name="Бас Әкімші", role=Role.NATIONAL_ADMIN, must_change_password=False,
                         password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")))
        session.commit()
    engine.dispose()


def _start(env: dict, port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "app:app"], cwd=ROOT,
                            env=env | {"BIND": f"127.0.0.1:{port}"}, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _wait_until_healthy(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()[-3000:]
        try:
            if Server(port).get("/healthz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"port {port} not healthy:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def cluster():
    import redis
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).flushdb()
    except redis.RedisError:
        warnings.warn(REDIS_DOWN, stacklevel=1)  # shown in pytest's warnings summary, even with -q
        pytest.skip("no Redis at 127.0.0.1:6379: the production cluster test needs one")
    tmp = Path(tempfile.mkdtemp(prefix="bastau-cluster-"))
    (tmp / "plans").mkdir()
    database_url = _cluster_database(tmp)
    env = {"PATH": os.environ["PATH"], "BASTAU_ENV": "production", "SECRET_KEY": SECRET, "DATABASE_URL": database_url,
           "PLAN_STORAGE": str(tmp / "plans"), "REDIS_URL": REDIS_URL, "TRUSTED_PROXY_COUNT": "1",
           "WEB_CONCURRENCY": "2", "LOGIN_LIMIT": "3 per minute", "FLASK_APP": "app.py",
           "ACCESS_CODE_KEY": ACCESS_CODE_KEY, **DATA_OPERATOR}
    subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    _add_staff(database_url)
    ports, logs = [_free_port(), _free_port()], [tmp / "a.log", tmp / "b.log"]
    servers = [_start(env, port, log) for port, log in zip(ports, logs)]
    try:
        for port, server, log in zip(ports, servers, logs):
            _wait_until_healthy(port, server, log)
        yield {"a": Server(ports[0]), "b": Server(ports[1]), "logs": logs, "env": env, "plans": tmp / "plans"}
    finally:
        for server in servers:
            _stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


class Server:
    """One app server as the balancer's nginx reaches it: HTTPS ended in front, the client's address added."""

    def __init__(self, port: int):
        self.port = port

    def get(self, path: str, cookie: str | None = None, client: str = "203.0.113.10"):
        return self._send("GET", path, None, cookie, client)

    def post(self, path: str, form: dict, cookie: str | None = None, client: str = "203.0.113.10"):
        return self._send("POST", path, urllib.parse.urlencode(form), cookie, client)

    def _send(self, method, path, body, cookie, client):
        headers = {"X-Forwarded-For": client, "X-Forwarded-Proto": "https",
                   "Referer": f"https://127.0.0.1:{self.port}{path}"}  # Flask-WTF checks it on HTTPS
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if cookie:
            headers["Cookie"] = cookie
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            response.text = response.read().decode()
            return response
        finally:
            conn.close()


def _session_cookie(response) -> str:
    header = next(value for name, value in response.getheaders() if name.lower() == "set-cookie"
                  and value.startswith("__Host-bastau_session="))
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}
    assert {"secure", "httponly", "path"} <= attributes and "domain" not in attributes, header
    assert "SameSite=Lax" in header and "Path=/" in header, header
    return header.split(";")[0]


def _login_form(server: Server, client: str) -> tuple[str, str]:
    page = server.get("/staff/login", client=client)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return _session_cookie(page), token


def test_both_servers_are_healthy_and_check_redis(cluster):
    for server in (cluster["a"], cluster["b"]):
        response = server.get("/healthz")
        assert response.status == 200 and response.getheader("Set-Cookie") is None
        answer = json.loads(response.text)
        assert {k: v for k, v in answer.items() if k != "detail"} == {
            "status": "ok", "checks": {"database": "ok", "plan_storage": "ok", "redis": "ok"}}
        assert "max-age" in response.getheader("Strict-Transport-Security")


def test_both_servers_fail_the_health_check_without_the_shared_folder(cluster):
    away = cluster["plans"].with_name("plans-unmounted")
    cluster["plans"].rename(away)
    try:
        for server in (cluster["a"], cluster["b"]):
            response = server.get("/healthz")
            assert response.status == 503
            assert json.loads(response.text)["checks"]["plan_storage"] == "fail: not writable"
    finally:
        away.rename(cluster["plans"])
    assert cluster["a"].get("/healthz").status == cluster["b"].get("/healthz").status == 200


def test_signed_in_on_one_server_signed_in_on_the_other(cluster):
    a, b = cluster["a"], cluster["b"]
    cookie, token = _login_form(a, "203.0.113.10")
    signed_in = b.post("/staff/login", {"login": STAFF, "password": PASSWORD, "csrf_token": token}, cookie)
    assert signed_in.status == 302, signed_in.text[:500]
    cookie = _session_cookie(signed_in)
    desk = a.get("/staff/", cookie)
    assert desk.status == 200 and "Бас Әкімші" in desk.text
    assert b.get("/staff/", cookie).status == 200


def test_login_limit_counts_across_servers_per_client(cluster):
    a, b = cluster["a"], cluster["b"]
    client = "203.0.113.20"
    cookie, token = _login_form(a, client)
    wrong = {"login": STAFF, "password": "wrong", "csrf_token": token}
    assert [server.post("/staff/login", wrong, cookie, client).status for server in (a, b, a)] == [401, 401, 401]
    assert b.post("/staff/login", wrong, cookie, client).status == 429
    assert a.post("/staff/login", wrong, cookie, "203.0.113.21").status == 401, "another client is not limited"


def test_request_lines_from_the_servers(cluster):
    cluster["b"].get("/staff/login?login=900101300123", client="203.0.113.30")
    time.sleep(0.3)
    text = "".join(log.read_text() for log in cluster["logs"])
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert {line["rule"] for line in lines} >= {"/healthz", "/staff/login", "/staff/"}
    assert len({line["pid"] for line in lines}) >= 2, "lines from more than one worker"
    assert any(line["rule"] == "/staff/" and line["role"] == "national_admin" for line in lines)
    for secret in (STAFF, PASSWORD, "900101300123", "203.0.113", "Бас Әкімші"):
        assert secret not in text, secret


def test_production_server_refuses_to_start_without_secret_key(cluster, tmp_path):
    env = {name: value for name, value in cluster["env"].items() if name != "SECRET_KEY"}
    log = tmp_path / "refused.log"
    server = _start(env | {"WEB_CONCURRENCY": "1"}, _free_port(), log)
    try:
        assert server.wait(30) != 0
    finally:
        _stop(server)
    assert "BASTAU_ENV=production needs SECRET_KEY" in log.read_text()
