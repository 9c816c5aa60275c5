"""Nothing lost: real gunicorn workers, many applicants at once, and a kill -9 in the middle of a burst.

The server runs as production runs it (several sync workers; the repo's gunicorn.conf.py, which gunicorn reads
from the working directory; its own process group) on a database of its own: an SQLite file, or
`<TEST_DATABASE_URL's database>_durability` on PostgreSQL. Clients are threads with their own cookies,
talking plain HTTP as browsers do.
"""
from __future__ import annotations

import html
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from flask_migrate import upgrade

from bastau import create_app, rules
from bastau.clock import today
from bastau.config import ROOT
from bastau.extensions import db
from bastau.models import Application
from bastau.reference import load_all
from tests.conftest import TOKEN_RE, Store, application_data, new_iin

GUNICORN = Path(sys.executable).parent / "gunicorn"
WORKERS = 4
RECEIPT_RE = re.compile(r'id="reference">([^<]+)<.*id="receipt-iin">(\d{12})<.*id="access-code">([^<]+)<', re.S)
NO_LIMITS = "100000 per minute"  # every client comes from 127.0.0.1


# ---- The database and the server ----

def _postgres_url() -> str:
    """TEST_DATABASE_URL's server, database `<its name>_durability` (created if missing), emptied."""
    shared = sa.make_url(os.environ["TEST_DATABASE_URL"])
    url = shared.set(database=f"{shared.database}_durability")
    admin = sa.create_engine(shared, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}):
            conn.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    admin.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    engine.dispose()
    return url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def durable(tmp_path_factory):
    """A Flask app on the server's database, migrated and with reference data, for setting up and checking."""
    folder = tmp_path_factory.mktemp("durability")
    postgres = os.environ.get("BASTAU_TEST_DB") == "postgresql"
    url = _postgres_url() if postgres else f"sqlite:///{folder / 'bastau.sqlite'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "durability",
                      "PLAN_STORAGE": str(folder / "plans"),
                      "RATELIMIT_STORAGE_URI": "memory://"})  # the limiter is shared with the suite's app
    with app.app_context():
        upgrade()
        load_all()
        db.session.remove()
    app.config["DURABILITY_FOLDER"] = folder
    yield app
    with app.app_context():
        db.engine.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with several sync workers, in its own process group so that one signal reaches them all."""

    def __init__(self, app):
        folder = app.config["DURABILITY_FOLDER"]
        self.log = folder / "gunicorn.log"
        self.env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "durability",
                    "PLAN_STORAGE": app.config["PLAN_STORAGE"], "SUBMIT_LIMIT": NO_LIMITS,
                    "STATUS_LOOKUP_LIMIT": NO_LIMITS, "DUPLICATE_CHECK_LIMIT": NO_LIMITS,
                    "DUPLICATE_CHECK_IIN_LIMIT": NO_LIMITS, "GUNICORN_LOG_LEVEL": "warning"}
        self.env.pop("REDIS_URL", None)  # rate limits in memory: this test must not touch a shared Redis
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> None:
        self.port = _free_port()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(GUNICORN), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}", "app:app"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_until_ready()

    def _wait_until_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.log_tail()}"
            try:
                if Client(self.port).get("/")[0] == 200:
                    return
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)  # not listening yet: poll again
        raise AssertionError(f"gunicorn not ready after {seconds} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL to the whole group, master and workers: no shutdown code runs."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process:
            self.process.wait(timeout=30)
            try:  # workers may outlive the master by an instant
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


@pytest.fixture(scope="module")
def server(durable):
    """One server for the module (booting workers takes seconds); the kill -9 test restarts it."""
    running = Server(durable)
    try:
        running.start()
        yield running
    finally:
        running.kill()


# ---- A browser, reduced to cookies and forms ----

class Client:
    """One applicant's browser: its own cookies, no redirects followed, one connection per request."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.token: str | None = None

    def get(self, path: str) -> tuple[int, str, str]:
        return self._request("GET", path)

    def post(self, path: str, form: dict) -> tuple[int, str, str]:
        return self._request("POST", path, {**form, "csrf_token": self.csrf_token()})

    def csrf_token(self) -> str:
        """The session's CSRF token (valid for the whole session), taken from a page once."""
        if self.token is None:
            status, _location, body = self.get("/apply")
            assert status == 200, (status, body[:500])
            self.token = TOKEN_RE.search(body).group(1)
        return self.token

    def _request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str, str]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=urlencode(form) if form is not None else None, headers=headers)
            response = connection.getresponse()
            body = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, response.getheader("Location", ""), body
        finally:
            connection.close()


@dataclass(frozen=True)
class Receipt:
    reference: str
    iin: str
    access_code: str


@dataclass(frozen=True)
class Refusal:
    status: int
    body: str


def fill_in(client: Client, data: dict) -> None:
    status, location, body = client.post("/apply", data)
    assert status == 302 and location.endswith("/apply/check"), (status, body[:1000])


def send(client: Client) -> Receipt | Refusal:
    """Press "Send" on the check page; the receipt page if it went through."""
    status, location, body = client.post("/apply/submit", {})
    if status != 302 or not location.endswith("/apply/done"):
        return Refusal(status, body)
    status, _location, body = client.get("/apply/done")
    found = RECEIPT_RE.search(body)
    assert status == 200 and found, (status, body[:1000])
    return Receipt(*found.groups())


def apply_each(port: int, forms: list[dict]) -> list[Receipt | Refusal]:
    client = Client(port)
    results = []
    for form in forms:
        fill_in(client, form)
        results.append(send(client))
    return results


def forms_for(app, iins: list[str]) -> list[dict]:
    base = application_data(app)
    return [{**base, "iin": iin} for iin in iins]


# ---- What "in the database and resolvable" means ----

def assert_stored(app, receipts: list[Receipt]) -> None:
    """Every receipt names a row with that IIN and year (checked in the database directly)."""
    wanted = {Application.parse_reference(r.reference): r for r in receipts}
    assert None not in wanted and len(wanted) == len(receipts), "references must be well-formed and distinct"
    rows = Store(app).scalars(sa.select(Application).where(Application.id.in_([key[1] for key in wanted])))
    stored = {(row.programme_year, row.id): row.iin for row in rows}
    missing = [r.reference for key, r in wanted.items() if stored.get(key) != r.iin]
    assert not missing, f"{len(missing)} receipted applications are not in the database: {missing[:10]}"


def assert_resolvable(port: int, receipts: list[Receipt]) -> None:
    """The real status look-up opens each application with the receipt's three details."""
    client = Client(port)
    for receipt in receipts:
        status, location, body = client.post("/status", {
            "reference": receipt.reference, "iin": receipt.iin, "access_code": receipt.access_code})
        assert status == 302 and location.endswith("/status/view"), (receipt, status, body[:500])
        status, _location, body = client.get("/status/view")
        assert status == 200 and receipt.reference in body, (receipt, status)


# ---- The tests ----

def test_a_thousand_applications_from_a_hundred_clients_all_arrive(durable, server):
    iins = [new_iin() for _ in range(1000)]
    forms = forms_for(durable, iins)
    before = Store(durable).count(Application)
    started = time.monotonic()
    with ThreadPoolExecutor(100) as pool:
        batches = pool.map(apply_each, [server.port] * 100, [forms[n::100] for n in range(100)])
        results = [result for batch in batches for result in batch]
    elapsed = time.monotonic() - started
    refusals = [r for r in results if isinstance(r, Refusal)]
    assert not refusals, [(r.status, r.body[:300]) for r in refusals[:3]]
    assert Store(durable).count(Application) - before == 1000
    assert Store(durable).count(Application, Application.iin.in_(iins)) == 1000
    assert sorted(r.iin for r in results) == sorted(iins)
    assert_stored(durable, results)
    assert_resolvable(server.port, results[::40])  # 25, spread over the whole burst
    print(f"\n1,000 applications from 100 clients in {elapsed:.1f} s")


def test_a_hundred_simultaneous_submissions_of_one_iin_leave_one_application(durable, server):
    iin = new_iin()
    clients = [Client(server.port) for _ in range(100)]
    form = forms_for(durable, [iin])[0]
    with ThreadPoolExecutor(20) as pool:  # everyone reaches "check your answers" first
        list(pool.map(lambda client: fill_in(client, form), clients))
    start = threading.Barrier(len(clients))

    def press_send(client: Client) -> Receipt | Refusal:
        start.wait()
        return send(client)

    with ThreadPoolExecutor(len(clients)) as pool:
        results = list(pool.map(press_send, clients))
    receipts = [r for r in results if isinstance(r, Receipt)]
    refusals = [r for r in results if isinstance(r, Refusal)]
    assert len(receipts) == 1 and receipts[0].iin == iin
    assert Store(durable).count(Application, Application.iin == iin) == 1
    # The others: the form again, saying kindly that this IIN has applied, with the way to the status page.
    with durable.app_context(), force_locale("kk"):
        kind = gettext("An application with this IIN was already made for %(year)s. "
                       "You can follow it on the status page.", year=rules.programme_year(today()))
    unkind = [(r.status, r.body[:300]) for r in refusals
              if r.status != 409 or html.escape(kind) not in r.body or 'href="/status"' not in r.body]
    assert not unkind, unkind[:3]


def test_every_receipted_application_survives_kill_9_during_a_burst(durable, server):
    receipts: list[Receipt] = []
    problems: list[str] = []  # anything but a receipt before the kill
    enough, killed = threading.Event(), threading.Event()
    forms = forms_for(durable, [new_iin() for _ in range(30 * 40)])

    def keep_applying(batch: list[dict]) -> None:
        client = Client(server.port)
        for form in batch:
            try:
                fill_in(client, form)
                result = send(client)
            except (OSError, http.client.HTTPException, AssertionError) as error:
                if not killed.is_set():
                    problems.append(repr(error)[:300])
                return  # after the kill: what this client got so far is what counts
            if isinstance(result, Refusal):
                problems.append(f"{result.status}: {result.body[:300]}")
                return
            receipts.append(result)
            if len(receipts) >= 50:
                enough.set()

    clients = [threading.Thread(target=keep_applying, args=(forms[n::30],)) for n in range(30)]
    for thread in clients:
        thread.start()
    try:
        reached = enough.wait(timeout=60)
    finally:
        killed.set()
        server.kill()
        for thread in clients:
            thread.join(timeout=90)
    assert not problems, problems[:3]
    assert reached, f"only {len(receipts)} receipts:\n{server.log_tail()}"
    assert not any(thread.is_alive() for thread in clients)
    server.start()  # on the same database, as after a crash
    assert_integrity(durable)
    assert_stored(durable, receipts)
    assert_resolvable(server.port, receipts)
    print(f"\nkill -9 after {len(receipts)} receipts: every one stored and resolvable")


def assert_integrity(app) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalars().all() == ["ok"]
                assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            return
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS amcheck")
            indexes = conn.exec_driver_sql(
                "SELECT c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am a ON a.oid = c.relam "
                "WHERE n.nspname = 'public' AND a.amname = 'btree'").scalars().all()
            assert indexes
            for oid in indexes:  # raises if an index and its table disagree
                conn.execute(sa.text("SELECT bt_index_check(:oid, true)"), {"oid": oid})
            orphans = _orphan_counts(conn)
            assert not orphans, orphans


def _orphan_counts(conn) -> dict:
    """Rows whose foreign key names no row (PostgreSQL enforces these; this proves nothing slipped by)."""
    found = {}
    inspector = sa.inspect(conn)
    for table in inspector.get_table_names():
        for key in inspector.get_foreign_keys(table):
            child, parent = key["constrained_columns"], key["referred_columns"]
            joined = " AND ".join(f'p."{p}" = c."{c}"' for c, p in zip(child, parent))
            present = " AND ".join(f'c."{c}" IS NOT NULL' for c in child)
            count = conn.exec_driver_sql(
                f'SELECT count(*) FROM "{table}" c WHERE {present} AND NOT EXISTS '
                f'(SELECT 1 FROM "{key["referred_table"]}" p WHERE {joined})').scalar()
            if count:
                found[f"{table}.{','.join(child)}"] = count
    return found
